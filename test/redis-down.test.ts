import { randomUUID } from 'node:crypto';
import { createApp, type GridfoldApp } from '@gridfold/api';
import { connectRedis } from '@gridfold/queue';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, waitFor } from './helpers/cluster.js';
import { PrivateRedis } from './helpers/private-redis.js';

// Issue 13: with Redis stopped, GET /health and GET /api/experiments gave no answer in 15 s
// (the API's connection queued every command offline, retrying forever). Every route must
// answer 503 within a second while Redis is unreachable, and recover by itself when it is back.
const spec = { name: 'down', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: { n_splits: 3, subset: 300 }, refit: false };

const redis = new PrivateRedis();
let conn: Redis;
let api: GridfoldApp;
const prefix = `test-${randomUUID()}`;
let id: string;

beforeAll(async () => {
  await redis.start();
  conn = connectRedis(redis.url);
  api = createApp({ redis: conn, prefix, logger: pino({ level: 'silent' }), dashboardDir: null, redisTimeoutMs: 1000 });
  id = (await request(api.app).post('/api/experiments').send(spec).expect(201)).body.id;
});

afterAll(async () => {
  redis.resume();
  await api?.close();
  await deletePrefix(conn, prefix).catch(() => {});
  conn?.disconnect();
  await redis.stop();
});

type Call = [label: string, make: (agent: ReturnType<typeof request>) => request.Test];
const calls = (): Call[] => [
  ['GET /health', (r) => r.get('/health')],
  ['GET /api/experiments', (r) => r.get('/api/experiments')],
  ['GET /api/experiments/:id', (r) => r.get(`/api/experiments/${id}`)],
  ['GET /api/experiments/:id/events', (r) => r.get(`/api/experiments/${id}/events`)],
  ['POST /api/experiments', (r) => r.post('/api/experiments').send(spec)],
  ['DELETE /api/experiments/:id', (r) => r.delete(`/api/experiments/${id}`)],
  ['POST /api/experiments/:id/retry', (r) => r.post(`/api/experiments/${id}/retry`)],
  ['GET Bull Board API', (r) => r.get('/admin/queues/api/queues?page=1&jobsPerPage=10')],
];

/** The status and time of one request; a request with no answer in 5 s is "no answer". */
async function timed(make: (agent: ReturnType<typeof request>) => request.Test): Promise<{ status: number | 'no answer'; ms: number; body: Record<string, unknown> }> {
  const started = Date.now();
  try {
    const res = await make(request(api.app)).timeout(5000);
    return { status: res.status, ms: Date.now() - started, body: res.body };
  } catch (err) {
    if ((err as { timeout?: number }).timeout) return { status: 'no answer', ms: Date.now() - started, body: {} };
    throw err;
  }
}

describe('Redis unreachable', () => {
  it('stopped: every route answers 503 JSON within a second, and all recover once Redis is back on the same port', async () => {
    await redis.stop();
    const times: string[] = [];
    for (const [label, make] of calls()) {
      const { status, ms, body } = await timed(make);
      times.push(`${label} ${status} in ${ms} ms`);
      expect(status, label).toBe(503);
      expect(ms, `${label}: milliseconds to answer`).toBeLessThan(1000);
      expect(String(body.error), label).toMatch(/Redis is unreachable/);
    }
    const health = await timed(calls()[0][1]);
    expect(health.body).toMatchObject({ ok: false, redis: 'down' });

    await redis.start();
    const back = Date.now();
    await waitFor(async () => ((await request(api.app).get('/health')).status === 200 ? true : undefined), 15_000, '/health to answer 200 again');
    console.info(`redis stopped: ${times.join('; ')}; /health said ${JSON.stringify(health.body)}; 200 again ${Date.now() - back} ms after the restart`);
    await request(api.app).post('/api/experiments').send(spec).expect(201);
    // Nothing sent while Redis was down was queued and replayed later: the refused submission
    // created nothing, and the refused cancel did not happen (this one is the first).
    const list = await request(api.app).get('/api/experiments').expect(200);
    expect(list.body.experiments).toHaveLength(2);
    expect(list.body.experiments.map((e: { id: string }) => e.id)).toContain(id);
    await request(api.app).delete(`/api/experiments/${id}`).expect(200);
  }, 60_000);

  it('hung (SIGSTOP, the connection stays open): /health answers 503 within a second, other routes within their deadline', async () => {
    await request(api.app).get('/health').expect(200);
    redis.pause();
    try {
      const health = await timed(calls()[0][1]);
      expect(health.status).toBe(503);
      expect(health.ms).toBeLessThan(1500);
      expect(health.body).toMatchObject({ ok: false, redis: 'down' });
      for (const [label, make] of calls().slice(1, 3)) {
        const { status, ms, body } = await timed(make);
        expect(status, label).toBe(503);
        expect(ms, `${label}: milliseconds to answer`).toBeLessThan(2500);
        expect(String(body.error), label).toMatch(/Redis/);
      }
    } finally {
      redis.resume();
    }
    await waitFor(async () => ((await request(api.app).get('/health')).status === 200 ? true : undefined), 15_000, '/health to answer 200 again');
    await request(api.app).get('/api/experiments').expect(200);
  }, 60_000);
});
