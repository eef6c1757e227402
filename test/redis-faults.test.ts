import { statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { runExperiment, type ExperimentResult } from '@gridfold/core';
import { connectRedis, ExperimentStore, keys } from '@gridfold/queue';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './helpers/cluster.js';
import { comparable } from './helpers/compare.js';
import { computedInLog, describeTally, tallyExecutions } from './helpers/executions.js';
import { PrivateRedis } from './helpers/private-redis.js';

// Redis going away the hard ways, on a private redis-server with AOF and `appendfsync
// everysec` as docker-compose.yml runs it: SIGKILL, a host crash that loses the AOF's last
// second, and an outage longer than the workers' job lock. Each sweep must end with the
// cv_results of an in-process run; what it cost in re-run tasks is measured and bounded.

/** 60 one-cell KNN tasks of a few tenths of a second: results are stored several times a second, so a lost second of writes loses some, not all. */
const knnGrid = {
  name: 'redis-faults',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { weights: ['uniform', 'distance'], n_neighbors: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
  cv: { n_splits: 3, subset: 10000 },
  refit: { subset: 2000 },
  group_cells: false,
};
let knnReference: Promise<ExperimentResult> | undefined;

const WORKERS = 2;

let cluster: TestCluster | undefined;
let redis: PrivateRedis | undefined;
afterEach(async () => {
  await cluster?.close();
  await redis?.stop();
  cluster = undefined;
  redis = undefined;
});

/**
 * Runs the KNN sweep on 2 workers and SIGKILLs Redis once 20 of its 60 results are stored; with
 * `loseMs`, the AOF is first cut back to its size `loseMs` earlier, as a host crash loses
 * what everysec had not yet fsynced. Returns the results stored before the kill that the
 * restarted Redis no longer has, and the computations counted from the workers' logs.
 */
async function killRedisMidSweep(loseMs: number) {
  redis = new PrivateRedis({ appendfsync: 'everysec' });
  await redis.start();
  const logFile = join(redis.dir, 'workers.log');
  cluster = new TestCluster({ workers: WORKERS, redisUrl: redis.url, lockMs: 5000, stalledMs: 2000, logFile });
  // The reference runs grouped (3 tasks, seconds); grouping gives identical cv_results (run-local tests).
  knnReference ??= runExperiment({ ...knnGrid, group_cells: true });
  const local = await knnReference;
  const { body } = await request(cluster.api.app).post('/api/experiments').send(knnGrid).expect(201);
  const resultsKey = keys(cluster.prefix).results(body.id);
  const aof = redis.aofFile();
  const sizes: Array<{ at: number; bytes: number }> = [];
  const sampler = setInterval(() => sizes.push({ at: Date.now(), bytes: statSync(aof).size }), 25);
  await waitFor(async () => ((await cluster!.redis.hlen(resultsKey)) >= 20 ? true : undefined), 60_000, '20 tasks to finish', 20);
  const before = await cluster.redis.hkeys(resultsKey);
  const killedAt = Date.now();
  await redis.kill();
  clearInterval(sampler);
  if (loseMs > 0) truncateSync(aof, sizes.filter((s) => s.at <= killedAt - loseMs).at(-1)!.bytes);
  await redis.start();
  const check = connectRedis(redis.url);
  const after = new Set(await check.hkeys(resultsKey));
  check.disconnect();
  const lost = before.filter((t) => !after.has(t));

  const view = await cluster.ended(body.id);
  expect(view.status, view.error).toBe('completed');
  expect(comparable(view.result)).toEqual(comparable(local));
  const counters = tallyExecutions(await new ExperimentStore(cluster.redis, cluster.prefix).executions(body.id), body.tasks);
  const logged = computedInLog(logFile, body.id);
  const computedTwice = Object.values(logged).filter((n) => n > 1).length;
  console.info(
    `redis SIGKILL (everysec${loseMs ? `, AOF's last ${loseMs} ms lost` : ''}): ${before.length} results stored before, ${lost.length} lost; ` +
      `computed twice (workers' logs): ${computedTwice} of ${body.tasks}; Redis counters: ${describeTally(counters)}; sweep done ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`,
  );
  // Redis' own record is consistent whatever it lost: each result written once, none missing.
  expect(counters).toMatchObject({ storedTwice: 0, neverStored: 0 });
  expect(Object.keys(logged)).toHaveLength(body.tasks);
  return { lost, computedTwice };
}

describe('Redis faults (appendfsync everysec, as docker-compose.yml runs it)', () => {
  it('SIGKILL of Redis mid-sweep: nothing acknowledged is lost, results identical, at most the running tasks re-run', async () => {
    // Redis writes the AOF to the OS before it answers; everysec only delays the fsync, and a
    // killed process does not lose what the OS holds.
    const { lost, computedTwice } = await killRedisMidSweep(0);
    expect(lost).toEqual([]);
    expect(computedTwice).toBeLessThanOrEqual(WORKERS);
  });

  it("a host crash that loses the AOF's last second: the lost results are recomputed, results identical", async () => {
    const { lost, computedTwice } = await killRedisMidSweep(1000);
    // A second of a sweep storing several results a second: some were lost, and came back.
    expect(lost.length).toBeGreaterThan(0);
    // Each lost result is one re-run; beyond those only a task running across the cut can run twice.
    expect(computedTwice).toBeLessThanOrEqual(lost.length + WORKERS);
  });

  it('an outage longer than the job lock: a task running through it may run a second time, no more', async () => {
    // Two tasks of ~7 s (one per worker): Redis goes away for 2x the 2 s lock while both run.
    const forest = {
      name: 'redis-outage',
      dataset: { source: 'mnist' },
      estimator: { name: 'RandomForestClassifier' },
      param_grid: { n_estimators: [300], random_state: [0] },
      cv: { n_splits: 2, subset: 4000 },
      refit: false,
    };
    const lockMs = 2000;
    redis = new PrivateRedis({ appendfsync: 'everysec' });
    await redis.start();
    cluster = new TestCluster({ workers: WORKERS, redisUrl: redis.url, lockMs, stalledMs: 500 });
    const { body } = await request(cluster.api.app).post('/api/experiments').send(forest).expect(201);
    const runningKey = keys(cluster.prefix).running(body.id);
    await waitFor(async () => ((await cluster!.redis.hlen(runningKey)) === WORKERS ? true : undefined), 60_000, 'both tasks to be running', 20);
    const downAt = Date.now();
    await redis.stop();
    await new Promise((r) => setTimeout(r, 2 * lockMs));
    await redis.start();
    const view = await cluster.ended(body.id);
    const sweepDone = Date.now();
    expect(view.status, view.error).toBe('completed');
    expect(comparable(view.result)).toEqual(comparable(await runExperiment(forest)));
    const tally = tallyExecutions(await new ExperimentStore(cluster.redis, cluster.prefix).executions(body.id), body.tasks);
    console.info(`redis outage of ${(2 * lockMs) / 1000} s (lock ${lockMs / 1000} s) with ${WORKERS} tasks running: ${describeTally(tally)}; sweep done ${((sweepDone - downAt) / 1000).toFixed(1)} s after the stop`);
    // The locks expired during the outage, so the running tasks were redelivered: each may
    // start (and compute) once more, and its result is still written once.
    expect(tally).toMatchObject({ storedTwice: 0, neverStored: 0 });
    expect(tally.extraStarts).toBeLessThanOrEqual(WORKERS);
    expect(tally.extraComputations).toBeLessThanOrEqual(WORKERS);
  });
});
