import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type GridfoldApp } from '@gridfold/api';
import { connectRedis } from '@gridfold/queue';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, REDIS_URL } from './helpers/cluster.js';

const spec = { name: 'sec', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: { n_splits: 3, subset: 300 }, refit: false };
const dataDir = mkdtempSync(join(tmpdir(), 'gridfold-sec-'));
writeFileSync(join(dataDir, 'ok.csv'), 'a,label\n1,0\n2,1\n');
const outside = mkdtempSync(join(tmpdir(), 'gridfold-outside-'));
writeFileSync(join(outside, 'secret.csv'), 'a,label\n1,0\n');
symlinkSync(join(outside, 'secret.csv'), join(dataDir, 'link.csv'));

const redis = connectRedis(REDIS_URL);
const apps: Array<{ app: GridfoldApp; prefix: string }> = [];
function makeApp(extra: Partial<Parameters<typeof createApp>[0]> = {}) {
  const prefix = `test-${randomUUID()}`;
  const a = createApp({ redis, prefix, logger: pino({ level: 'silent' }), limits: { dataDir }, ...extra });
  apps.push({ app: a, prefix });
  return a.app;
}
afterAll(async () => {
  for (const { app, prefix } of apps) {
    await app.close();
    await deletePrefix(redis, prefix);
  }
  redis.disconnect();
});

describe('token auth', () => {
  const app = makeApp({ token: 's3cret' });
  it('guards mutating routes, leaves reads open', async () => {
    const denied = await request(app).post('/api/experiments').send(spec).expect(401);
    expect(denied.body.error).toContain('Authorization: Bearer');
    await request(app).post('/api/experiments').set('authorization', 'Bearer wrong').send(spec).expect(401);
    const ok = await request(app).post('/api/experiments').set('authorization', 'Bearer s3cret').send(spec).expect(201);
    await request(app).get(`/api/experiments/${ok.body.id}`).expect(200);
    await request(app).delete(`/api/experiments/${ok.body.id}`).expect(401);
    await request(app).post(`/api/experiments/${ok.body.id}/retry`).expect(401);
    await request(app).delete(`/api/experiments/${ok.body.id}`).set('authorization', 'Bearer s3cret').expect(200);
  });

  it('serves Bull Board read-only without the token and fully with it (Basic for browsers)', async () => {
    await request(app).get('/admin/queues').expect(200);
    const ro = await request(app).get('/admin/queues/api/queues?page=1&jobsPerPage=10').expect(200);
    expect(ro.body.queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(true);
    await request(app).put('/admin/queues/api/queues/gridfold-jobs/retry/failed').expect(401);
    const rw = await request(app).get('/admin/queues/api/queues?page=1&jobsPerPage=10').auth('admin', 's3cret').expect(200);
    expect(rw.body.queues.some((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(false);
  });
});

describe('headers, errors and rate limits', () => {
  it('sends security headers and never a stack trace', async () => {
    const app = makeApp();
    const res = await request(app).get('/api/experiments').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
    const bad = await request(app).post('/api/experiments').set('content-type', 'application/json').send('{"a":').expect(400);
    expect(bad.body.error).toContain('not valid JSON');
    expect(JSON.stringify(bad.body)).not.toContain('at ');
  });

  it('refuses bodies over the limit with 413 and JSON', async () => {
    const app = makeApp({ bodyLimit: '1kb' });
    const res = await request(app).post('/api/experiments').send({ ...spec, description: 'x'.repeat(2000) }).expect(413);
    expect(res.body.error).toContain('too large');
  });

  it('rate-limits submissions with 429 and JSON', async () => {
    const app = makeApp({ submitsPerMinute: 2 });
    await request(app).post('/api/experiments').send(spec).expect(201);
    await request(app).post('/api/experiments').send(spec).expect(201);
    const res = await request(app).post('/api/experiments').send(spec).expect(429);
    expect(res.body.error).toContain('too many submissions');
  });
});

describe('submission limits and data paths', () => {
  const app = makeApp({ limits: { dataDir, maxCellFolds: 10, maxFileBytes: 1000 } });
  const csv = (train: string) => ({ ...spec, dataset: { source: 'csv', train, label: 'label' } });
  const issue = async (body: object) => (await request(app).post('/api/experiments').send(body).expect(400)).body.issues[0];

  it('caps grid cells x folds', async () => {
    const i = await issue({ ...spec, param_grid: { n_neighbors: [1, 2, 3, 4] } });
    expect(i).toEqual({ path: 'param_grid', message: '4 cells x 3 folds = 12 fits, more than the limit of 10' });
  });

  it('confines dataset paths to the data directory', async () => {
    await request(app).post('/api/experiments').send(csv('ok.csv')).expect(201);
    expect((await issue(csv('../x.csv'))).message).toContain('escapes the data directory');
    expect((await issue(csv('/etc/passwd'))).message).toContain('must be relative to the data directory');
    expect((await issue(csv('link.csv'))).message).toContain('link that leads out of the data directory');
    expect((await issue(csv('missing.csv'))).message).toContain('no such file');
  });

  it('caps dataset file size', async () => {
    writeFileSync(join(dataDir, 'big.csv'), `a,label\n${'1,0\n'.repeat(400)}`);
    expect((await issue(csv('big.csv'))).message).toContain('more than the limit of 1000');
  });
});
