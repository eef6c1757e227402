import { connectRedis, REDIS_FULL_MESSAGE } from '@gridfold/queue';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './helpers/cluster.js';
import { PrivateRedis } from './helpers/private-redis.js';

/**
 * Redis at its maxmemory under noeviction (a private redis-server with 20 MB, as compose runs
 * it but smaller): submissions are refused with 507 and a message that says what to do, a
 * running sweep fails with that reason instead of hanging, and purging an old experiment frees
 * the space: the next submission and a retry of the failed sweep complete, nothing restarted.
 */
const small = {
  name: 'old',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { n_neighbors: [1, 3] },
  cv: { n_splits: 3, subset: 600 },
  refit: false,
};
// 96 one-cell tasks of ~0.1 s (more on a loaded machine), so that it is still running when Redis
// fills up: with 24 a busy CI machine sometimes finished the sweep first.
const SWEEP_TASKS = 96;
const sweep = { ...small, name: 'sweep', param_grid: { n_neighbors: Array.from({ length: 16 }, (_, i) => i + 1) }, cv: { n_splits: 6, subset: 12_000 }, group_cells: false, cache: false };

let server: PrivateRedis;
let cluster: TestCluster;
let filler: Redis;

beforeAll(async () => {
  server = new PrivateRedis(['--maxmemory', '20mb', '--appendonly', 'no']);
  await server.start();
  cluster = new TestCluster({ workers: 1, redisUrl: server.url, lockMs: 3000, stalledMs: 1000 });
  filler = connectRedis(server.url);
});

afterAll(async () => {
  filler?.disconnect();
  await cluster?.close();
  await server?.stop();
});

async function view(id: string) {
  return (await request(cluster.api.app).get(`/api/experiments/${id}`).expect(200)).body;
}

async function ended(id: string, timeoutMs = 120_000) {
  return waitFor(async () => {
    const v = await view(id);
    return ['completed', 'failed', 'cancelled'].includes(v.status) ? v : undefined;
  }, timeoutMs, `experiment ${id} to end`);
}

/**
 * Writes padding into `key` until Redis refuses even 16 bytes, twice: Redis counts a client's
 * input buffer as used memory and frees it a moment after a large write, which would leave
 * room for the next writes.
 */
async function fill(key: string): Promise<number> {
  let written = 0;
  for (const pass of [0, 1]) {
    if (pass) await new Promise((r) => setTimeout(r, 2500));
    for (const size of [1 << 16, 1 << 13, 1 << 10, 128, 16]) {
      for (;;) {
        try {
          await filler.hset(key, `pad-${written}`, 'x'.repeat(size));
          written += size;
        } catch (err) {
          if (!String(err).includes('OOM')) throw err;
          break;
        }
      }
    }
  }
  return written;
}

describe('Redis at maxmemory (noeviction)', () => {
  it('refuses submissions with 507, fails the running sweep, and recovers once an old experiment is purged', async () => {
    const api = cluster.api.app;
    const old = (await request(api).post('/api/experiments').send(small).expect(201)).body.id;
    expect((await ended(old)).status).toBe('completed');
    const running = (await request(api).post('/api/experiments').send(sweep).expect(201)).body.id;
    await waitFor(async () => ((await view(running)).progress.done >= 1 ? true : undefined), 60_000, 'the sweep to be under way');

    // The old experiment's keys take up what is left (standing for weeks of results).
    const padding = await fill(`${cluster.prefix}:exp:${old}:oof`);
    const refused = await request(api).post('/api/experiments').send(small).expect(507);
    expect(refused.body).toEqual({ error: REDIS_FULL_MESSAGE, redis: 'full' });
    // A refused submission leaves no experiment behind.
    expect((await request(api).get('/api/experiments').expect(200)).body.experiments).toHaveLength(2);
    const full = (await request(api).get('/health').expect(200)).body.memory;
    expect(full.used_bytes).toBeGreaterThan(0.99 * full.max_bytes);

    const failed = await ended(running, 60_000);
    expect(failed.status, JSON.stringify(failed.progress)).toBe('failed');
    expect(failed.error).toBe(REDIS_FULL_MESSAGE);
    expect(failed.progress.done).toBeLessThan(SWEEP_TASKS);

    const purged = (await request(api).delete(`/api/experiments/${old}?purge=true`).expect(200)).body;
    expect(purged.freed_bytes).toBeGreaterThan(padding);
    expect((await request(api).get('/health').expect(200)).body.memory.full).toBe(false);

    // A second worker for the rest (the races above are over): the retry re-runs most of the 96 tasks.
    cluster.addWorker();
    const next = (await request(api).post('/api/experiments').send(small).expect(201)).body.id;
    expect((await ended(next)).status).toBe('completed');
    const retry = (await request(api).post(`/api/experiments/${running}/retry`).expect(202)).body;
    expect(retry.rerun_tasks.length + retry.kept_tasks).toBe(SWEEP_TASKS);
    const completed = await ended(running);
    expect(completed.status, completed.error).toBe('completed');
    expect(completed.result.cv_results.mean_test_score).toHaveLength(16);
  }, 180_000);
});
