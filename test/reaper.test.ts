import { randomUUID } from 'node:crypto';
import { startApi, type Reaper } from '@gridfold/api';
import { checkSpec, defaultDataDir } from '@gridfold/core';
import { connectRedis, ExperimentStore, jobIds, keyPrefixFor, QUEUE } from '@gridfold/queue';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deletePrefix, recordWhenEnded, REDIS_URL, waitFor } from './helpers/cluster.js';

/**
 * The reaper fails experiments that nothing will ever finish. Two APIs on one prefix, each
 * with a reaper looking every 200 ms and a grace of 1 s; no worker.
 */
const spec = checkSpec({
  name: 'reaper',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { n_neighbors: [1, 3] },
  cv: { n_splits: 2, subset: 500 },
  refit: false,
});

const redis = connectRedis(REDIS_URL);
let prefix: string;
let apis: Array<Awaited<ReturnType<typeof startApi>>> = [];
afterEach(async () => {
  await Promise.all(apis.map((a) => a.close()));
  apis = [];
  await deletePrefix(redis, prefix);
});
afterAll(() => redis.disconnect());

async function twoApis() {
  // Hash-tagged when REDIS_URL is a Redis Cluster's, as the API would use it.
  prefix = keyPrefixFor(redis, `test-${randomUUID()}`);
  const options = { redisUrl: REDIS_URL, prefix, token: undefined, publicRead: false, insecure: false, readsPerMinute: 600, retentionDays: 0, dataDir: defaultDataDir(), port: 0, host: '127.0.0.1', reaperIntervalMs: 200, reaperGraceMs: 1000, logger: pino({ level: 'silent' }) };
  apis = [await startApi(options), await startApi(options)];
  return { store: new ExperimentStore(redis, prefix) };
}

describe('reaper', () => {
  it('fails an experiment whose jobs were never added (lost at submission), after its grace, and leaves a queued one with jobs', async () => {
    const { store } = await twoApis();
    const live = (await request(apis[0].server).post('/api/experiments').send(spec).expect(201)).body.id as string;
    const lost = randomUUID();
    const createdAt = Date.now();
    await store.create(lost, spec);
    const record = await recordWhenEnded(store, lost, 10_000);
    expect(record.status).toBe('failed');
    expect(record.error).toBe(`no job left for this experiment (lost at submission or after a crash); retry it with POST /api/experiments/${lost}/retry`);
    expect(record.finished_at! - createdAt).toBeGreaterThanOrEqual(1000);
    // The submitted one has jobs waiting for a worker: it is not touched.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await store.status(live)).toBe('queued');
    // A retry of the lost one enqueues its jobs: it is not failed again.
    await request(apis[0].server).post(`/api/experiments/${lost}/retry`).expect(202);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await store.status(lost)).toBe('queued');
  });

  it('fails at once an experiment whose step job failed for good with no worker left to record it', async () => {
    const { store } = await twoApis();
    const id = (await request(apis[0].server).post('/api/experiments').send({ ...spec, param_grid: { n_neighbors: [1] } }).expect(201)).body.id as string;
    const queue = new Queue(QUEUE, { connection: redis, prefix });
    // A bare BullMQ worker stands for a gridfold worker that died right after its job failed:
    // tasks complete, the aggregate fails for good, and nothing records it.
    const worker = new Worker(QUEUE, async (job) => {
      if (job.data.kind === 'aggregate') throw new UnrecoverableError('out of memory');
    }, { connection: redis, prefix });
    await waitFor(async () => ((await queue.getJobState(jobIds.aggregate(id))) === 'failed' ? true : undefined), 10_000, 'the aggregate to fail');
    await worker.close();
    await queue.close();
    const record = await recordWhenEnded(store, id, 10_000);
    expect(record.status).toBe('failed');
    expect(record.error).toBe('aggregate job failed: out of memory');
  });

  it('looks from one API at a time; another takes over when it closes', async () => {
    await twoApis();
    const sweeps = (r: Reaper[]) => r.map((x) => x.sweeps);
    const reapers = apis.map((a) => a.reaper);
    await new Promise((r) => setTimeout(r, 1200));
    const [a, b] = sweeps(reapers);
    expect(a * b).toBe(0);
    expect(a + b).toBeGreaterThanOrEqual(3);
    const leader = a > 0 ? 0 : 1;
    await reapers[leader].close();
    const before = reapers[1 - leader].sweeps;
    await new Promise((r) => setTimeout(r, 1000));
    expect(reapers[1 - leader].sweeps).toBeGreaterThan(before);
  });
});
