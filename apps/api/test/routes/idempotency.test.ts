import { createHash, randomUUID } from 'node:crypto';
import { connectRedis } from '@gridfold/queue';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/create-app.js';
import { openTestApp } from '../helpers/test-app.js';

// One cell, cv=3 on a 300-image MNIST subset: 3 fit tasks (KNeighborsClassifier's defaults, no grid).
const spec = { name: 'idem', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: { n_splits: 3, subset: 300 }, refit: false };

describe('POST /api/experiments with an Idempotency-Key', () => {
  const t = openTestApp();
  afterAll(() => t.cleanup());
  const names = async () => (await t.store.list()).length;

  it('makes one experiment for a key sent twice: the second answer is the first experiment, marked replayed', async () => {
    const key = randomUUID();
    const before = await names();
    const first = await request(t.app).post('/api/experiments').set('Idempotency-Key', key).send(spec).expect(201);
    const again = await request(t.app).post('/api/experiments').set('Idempotency-Key', key).send(spec).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(await names()).toBe(before + 1);
    // Without a key every submission is a new experiment, as before.
    const a = await request(t.app).post('/api/experiments').send(spec).expect(201);
    const b = await request(t.app).post('/api/experiments').send(spec).expect(201);
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('makes one experiment when two requests with one key race', async () => {
    const key = randomUUID();
    const before = await names();
    const answers = await Promise.all([0, 1, 2].map(() => request(t.app).post('/api/experiments').set('Idempotency-Key', key).send(spec)));
    const statuses = answers.map((r) => r.status).sort();
    // One creates (201); the others found the key claimed (409, in progress) or settled (200, the same experiment).
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    for (const r of answers.filter((r) => r.status !== 201)) {
      expect([200, 409]).toContain(r.status);
      if (r.status === 409) expect(r.body).toEqual({ error: 'a submission with this Idempotency-Key is still in progress; send it again shortly', in_progress: true });
      else expect(r.body.id).toBe(answers.find((x) => x.status === 201)!.body.id);
    }
    expect(await names()).toBe(before + 1);
  });

  it('refuses the key with another spec (422), and a key that is not 1-255 visible ASCII characters (400)', async () => {
    const key = randomUUID();
    await request(t.app).post('/api/experiments').set('Idempotency-Key', key).send(spec).expect(201);
    const other = await request(t.app).post('/api/experiments').set('Idempotency-Key', key).send({ ...spec, name: 'other' }).expect(422);
    expect(other.body.error).toBe(`Idempotency-Key ${JSON.stringify(key)} was sent before with another spec; a new submission needs a new key`);
    for (const bad of ['x'.repeat(256), 'a b']) {
      const res = await request(t.app).post('/api/experiments').set('Idempotency-Key', bad).send(spec).expect(400);
      expect(res.body.error).toMatch(new RegExp(`^Idempotency-Key must be 1 to 255 visible ASCII characters \\(a UUID, say\\), got ".*" \\(${bad.length} characters\\)$`));
    }
  });

  it('lets a refused submission be sent again with its key, checked afresh', async () => {
    const key = randomUUID();
    await request(t.app).post('/api/experiments').set('Idempotency-Key', key).send({ ...spec, cv: { n_splits: 1 } }).expect(400);
    // The same body again is refused again (not "in progress", not replayed).
    await request(t.app).post('/api/experiments').set('Idempotency-Key', key).send({ ...spec, cv: { n_splits: 1 } }).expect(400);
  });

  it('answers 410 when the experiment the key made has been deleted', async () => {
    const key = randomUUID();
    const { id } = (await request(t.app).post('/api/experiments').set('Idempotency-Key', key).send(spec).expect(201)).body;
    await request(t.app).delete(`/api/experiments/${id}`).expect(200);
    await request(t.app).delete(`/api/experiments/${id}?purge=true`).expect(200);
    const res = await request(t.app).post('/api/experiments').set('Idempotency-Key', key).send(spec).expect(410);
    expect(res.body).toEqual({ error: `experiment ${id}, which this Idempotency-Key made, has been deleted; a new submission needs a new key`, id });
  });
});

describe('a submission answered 503 at the Redis deadline, sent again with its key', () => {
  // The bug (bench/huge-sweep.ts, 2026-12-01): the 503 was sent while the route went on and made
  // the experiment; a client retrying on the 503 made a second one running the same sweep. Here
  // the route outlasts a 300 ms deadline by checking a plugin: the API's first check starts a
  // child process and loads gridfold in it (about a second of CPU), while each Redis command
  // stays well under the deadline.
  const slow = openTestApp({ redisTimeoutMs: 300 });
  // A second API on the same Redis and prefix with the default deadline (a replica behind the same load balancer).
  const redis = connectRedis();
  const other = createApp({ redis, prefix: slow.prefix, logger: pino({ level: 'silent' }), dashboardDir: null });
  afterAll(async () => {
    await other.close();
    redis.disconnect();
    await slow.cleanup();
  });

  it('gets the experiment the first request made, and no second one', async () => {
    const withPlugin = await objectiveSpec(slow.app);
    const key = randomUUID();
    const first = await request(slow.app).post('/api/experiments').set('Idempotency-Key', key).send(withPlugin);
    expect(first.status, JSON.stringify(first.body)).toBe(503);
    // The retry may come while the first is still being made (409), as a client polling with backoff sees.
    let retry;
    for (let i = 0; i < 100; i++) {
      retry = await request(other.app).post('/api/experiments').set('Idempotency-Key', key).send(withPlugin);
      if (retry.status !== 409) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(retry!.status).toBe(200);
    expect(retry!.body).toMatchObject({ tasks: 3, replayed: true });
    expect(await other.store.list()).toEqual([retry!.body.id]);
  });
});

/** Uploads a one-line objective plugin (a CommonJS bundle, as `gridfold run` makes them) and returns a spec that uses it. */
async function objectiveSpec(app: Parameters<typeof request>[0]) {
  const code = 'exports.one = async () => 1;\n';
  const sha = createHash('sha256').update(code).digest('hex');
  await request(app).post('/api/artifacts').set('x-artifact-sha256', sha).set('content-type', 'application/octet-stream').send(Buffer.from(code)).expect(201);
  return { ...spec, name: 'idem-plugin', plugins: ['./one.js'], artifacts: { './one.js': sha }, estimator: { name: 'one' } };
}
