import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createApp } from '@gridfold/api';
import { fitPriority, jobIds, QUEUE, resolveQueueShards, shardOf } from '@gridfold/queue';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePlugin, type PluginBundle } from '../apps/cli/src/local-files.js';
import { TestCluster, waitFor } from './helpers/cluster.js';

/**
 * Fair sharing between sweeps (issue 16): fit tasks of experiments queued at the same time are
 * taken in turn (BullMQ priorities by task rank within each experiment), so a small sweep
 * submitted behind a big one does not wait for it. One worker; the tasks sleep 300 ms each
 * (test/fixtures/plugins/misbehaving.ts, `flaky` in mode "sleep").
 */
const FRUIT = readFileSync(fileURLToPath(new URL('../examples/csv-string-labels/fruit-train.csv', import.meta.url)));
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
let bundle: PluginBundle;
const cluster = new TestCluster({ workers: 1 });
beforeAll(async () => {
  bundle = await bundlePlugin('./misbehaving.ts', fileURLToPath(new URL('./fixtures/plugins/misbehaving.ts', import.meta.url)));
  for (const bytes of [bundle.code, FRUIT]) {
    const r = await request(cluster.api.app).post('/api/artifacts').set('x-artifact-sha256', sha(bytes)).set('content-type', 'application/octet-stream').send(Buffer.from(bytes));
    expect([200, 201]).toContain(r.status);
  }
});
afterAll(() => cluster.close());

const sweep = (name: string, cells: number, extra: object = {}) => ({
  name,
  plugins: ['./misbehaving.ts'],
  artifacts: { './misbehaving.ts': bundle.sha256, 'fruit-train.csv': sha(FRUIT) },
  dataset: { source: 'csv', train: 'fruit-train.csv', label: 'fruit' },
  estimator: { name: 'flaky', params: { mode: 'sleep' } },
  param_grid: { ms: Array.from({ length: cells }, (_, i) => 300 + i) },
  cv: 2,
  cache: false,
  refit: false,
  ...extra,
});

describe('fair sharing between sweeps', () => {
  it('gives each experiment\'s k-th task the same turn: priority 2 + floor(k / weight)', () => {
    expect([0, 1, 2, 9].map((k) => fitPriority(k))).toEqual([2, 3, 4, 11]);
    expect([0, 1, 2, 3].map((k) => fitPriority(k, 2))).toEqual([2, 2, 3, 3]);
    expect(fitPriority(10_000_000)).toBe(2 ** 21);
  });

  it('runs a 4-task sweep submitted behind a 60-task one in about its own time, not after it', async () => {
    const big = await request(cluster.api.app).post('/api/experiments').send(sweep('big', 30));
    expect(big.status, JSON.stringify(big.body)).toBe(201);
    // Let the big sweep start: its first tasks are running when the small one arrives.
    await waitFor(async () => ((await request(cluster.api.app).get(`/api/experiments/${big.body.id}`)).body.progress?.done >= 2 ? true : undefined), 60_000, 'the big sweep to start');
    const submitted = Date.now();
    const small = await request(cluster.api.app).post('/api/experiments').send(sweep('small', 2));
    expect(small.status, JSON.stringify(small.body)).toBe(201);
    const done = await cluster.ended(small.body.id, 60_000);
    expect(done.status, done.error).toBe('completed');
    const waited = Date.now() - submitted;
    const bigDone = (await request(cluster.api.app).get(`/api/experiments/${big.body.id}`)).body.progress.done;
    // Taken in turn, the small sweep's 4 tasks run between the big one's next few; in submission order it would wait for all 60.
    expect(bigDone).toBeLessThan(20);
    expect(waited).toBeLessThan(15_000);
    // The big sweep has made its point: cancel it rather than wait out its remaining tasks.
    await request(cluster.api.app).delete(`/api/experiments/${big.body.id}`).expect(200);
  }, 180_000);
});

/**
 * Submits under an Idempotency-Key and sends again on 503 (a loaded machine can take longer than
 * the API's Redis deadline to check a spec's plugins) or 409, as the CLI does: one experiment.
 */
async function submitOnce(app: Parameters<typeof request>[0], spec: object) {
  const key = randomUUID();
  for (let i = 0; ; i++) {
    const r = await request(app).post('/api/experiments').set('Idempotency-Key', key).send(spec);
    if ((r.status !== 503 && r.status !== 409) || i === 30) {
      expect([200, 201], JSON.stringify(r.body)).toContain(r.status);
      return r;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('fair sharing between sweeps on different queue shards', () => {
  // Two shards on one Redis (as a Redis Cluster's masters each hold one): the big sweep's jobs on
  // one, the small one's on the other, one worker process serving both with one slot.
  const sharded = new TestCluster({ workers: 0 });
  beforeAll(async () => {
    await resolveQueueShards(sharded.redis, sharded.prefix, 2);
    await sharded.useQueueShards();
    sharded.addWorker();
    for (const bytes of [bundle.code, FRUIT]) {
      const r = await request(sharded.api.app).post('/api/artifacts').set('x-artifact-sha256', sha(bytes)).set('content-type', 'application/octet-stream').send(Buffer.from(bytes));
      expect([200, 201]).toContain(r.status);
    }
  });
  afterAll(() => sharded.close());

  it('runs a 4-task sweep on the other shard in about its own time while a 60-task one keeps the worker busy', async () => {
    const big = await submitOnce(sharded.api.app, sweep('big', 30));
    await waitFor(async () => ((await request(sharded.api.app).get(`/api/experiments/${big.body.id}`)).body.progress?.done >= 2 ? true : undefined), 60_000, 'the big sweep to start');
    const bigDone = async () => (await request(sharded.api.app).get(`/api/experiments/${big.body.id}`)).body.progress.done as number;
    // Experiments land on a shard by their id's hash: submit until one lands on the other shard.
    let small;
    for (;;) {
      const r = await submitOnce(sharded.api.app, sweep('small', 2));
      if (shardOf(r.body.id, 2) !== shardOf(big.body.id, 2)) {
        small = { id: r.body.id as string, queued: Date.now(), bigBefore: await bigDone() };
        break;
      }
      await request(sharded.api.app).delete(`/api/experiments/${r.body.id}`).expect(200);
    }
    const done = await sharded.ended(small.id, 60_000);
    expect(done.status, done.error).toBe('completed');
    const waited = Date.now() - small.queued;
    const bigMeanwhile = (await bigDone()) - small.bigBefore;
    // The worker takes the shards' jobs in turn: the small sweep's 4 tasks of 300 ms run between
    // the big one's next few (about 4), not after its remaining ones (before the turns, all of them).
    expect(bigMeanwhile).toBeLessThan(12);
    expect(small.bigBefore + bigMeanwhile, "the big sweep still running when the small one ended").toBeLessThan(60);
    expect(waited).toBeLessThan(15_000);
    await request(sharded.api.app).delete(`/api/experiments/${big.body.id}`).expect(200);
  }, 180_000);
});

describe('a flow too large for one MULTI (issue 16: 100,000-task sweeps)', () => {
  it('is queued in chunks behind a gate: the aggregate waits for every task of every chunk', async () => {
    // The API queues 4 tasks with the flow and the other 10 in chunks of 4 after answering.
    const chunked = createApp({ redis: cluster.redis, prefix: cluster.prefix, flowChunk: 4, logger: pino({ level: 'silent' }) });
    try {
      const r = await request(chunked.app).post('/api/experiments').send(sweep('chunked', 7));
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.tasks).toBe(14);
      const view = await cluster.ended(r.body.id, 120_000);
      expect(view.status, view.error).toBe('completed');
      // Every cell scored on both folds (mode "sleep" scores 1): no task was missing when the aggregate ran.
      expect(view.result.cv_results.mean_test_score).toEqual(Array(7).fill(1));
      expect(view.result.errors ?? []).toEqual([]);
      const gate = await new Queue(QUEUE, { connection: cluster.redis, prefix: cluster.prefix }).getJob(jobIds.gate(r.body.id));
      expect(await gate?.getState()).toBe('completed');
    } finally {
      await chunked.close();
    }
  }, 180_000);
});
