import { spawnSync } from 'node:child_process';
import { keys, QUEUE } from '@gridfold/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosSpec, runChaos } from './helpers/chaos.js';
import { TestCluster } from './helpers/cluster.js';
import { closeOnCluster, PrivateRedisCluster } from './helpers/redis-cluster.js';

/**
 * The chaos scenario of test/chaos.test.ts on a real Redis Cluster: six private redis-server
 * processes (`--cluster-enabled yes`, ports 7130-7135, `cluster-node-timeout` 1000 ms), three
 * masters with one replica each, an in-process API and two worker processes given
 * `REDIS_URL=redis+cluster://...`. The expected numbers are the same sweep run in this process
 * with no Redis at all (`runExperiment`).
 *
 * Smaller than the single-Redis chaos test, to keep the file short on a loaded 2-core machine:
 * 40 tasks (8 cells x 5 folds) on 3,000 images instead of 200 on 10,000, and 3 worker kills
 * instead of 20 (2 beside the master kills), since each kill costs a worker restart (10-20 s at
 * load 15). The kills are paced by progress (kill k of n once k / (n + 1) of the results are
 * stored, of a worker running one of the sweep's tasks), not every 300-900 ms: each then lands
 * inside a task, where a timed kill on a loaded machine mostly hits a worker still loading (20
 * timed kills redelivered no task at all in a run at load 17), so a few paced kills test
 * redelivery more than 20 timed ones. The file took 135 s at load 15-23 (the target was 60 s)
 * and its first test over 120 s at load 35: each test may take 240 s (kills for at most 45 s,
 * then 120 s for the sweep to end).
 */
const PORTS = [7130, 7131, 7132, 7133, 7134, 7135];
/** 8 cells x 5 folds, one task each (group_cells: false). */
const TASKS = 40;
// Both tests sweep this spec under one prefix: without `cache: false` the second would take the first's results from the task cache, and run nothing to kill.
const spec = { ...chaosSpec, name: 'cluster-chaos', param_grid: { weights: ['uniform', 'distance'], n_neighbors: [1, 2, 3, 4] }, cv: { n_splits: 5, subset: 3000 }, cache: false };
const major = Number(/v=(\d+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 0);
if (major < 3) console.warn(`test/redis-cluster-chaos.test.ts skipped: redis-server ${major ? `v${major}` : 'is not on PATH or'} has no cluster support (Redis 3.0 or later needed)`);

describe.skipIf(major < 3)('chaos on a Redis Cluster (3 masters + 3 replicas)', () => {
  const redisCluster = new PrivateRedisCluster(PORTS, 1000);
  let gridfold: TestCluster;

  beforeAll(async () => {
    await redisCluster.start();
    gridfold = new TestCluster({ workers: 2, redisUrl: redisCluster.url, lockMs: 2000, stalledMs: 1000 });
  }, 60_000);

  afterAll(() => closeOnCluster(gridfold, redisCluster), 30_000);

  it('completes with the in-process results after 3 worker SIGKILLs, storing each result once and re-running at most one task per kill', async () => {
    const { tally } = await runChaos(gridfold, { kills: 3, spec, pace: 'progress', killForMs: 45_000 });
    // Each kill lands inside a task (the worker is frozen and seen still in it first), which is then started again.
    expect(tally.extraStarts).toBe(3);
  }, 240_000);

  it('completes with the in-process results when, besides 2 worker SIGKILLs, the masters of the queue and of the experiment\'s keys are SIGKILLed and their replicas take over', async () => {
    const queueKey = `${gridfold.prefix}:${QUEUE}:meta`;
    const { fault } = await runChaos(gridfold, {
      kills: 2,
      spec,
      pace: 'progress',
      killForMs: 45_000,
      fault: {
        // A third of the way through, so that worker kills come before, during and after the failovers.
        afterResults: Math.ceil(TASKS / 3),
        // The queue's master first (BullMQ's jobs, locks and stalled checks, which the worker kills lean on),
        // then the experiment's (its results, written once, and the execution counters); one kill when both are on one.
        inject: async (id) => {
          const promoted: number[] = [];
          const done: string[] = [];
          for (const [what, key] of [['queue', queueKey], ['experiment', keys(gridfold.prefix).results(id)]]) {
            if (promoted.includes(await redisCluster.masterOf(key))) continue;
            const failover = await redisCluster.failover(key);
            promoted.push(failover.promoted);
            done.push(`${what} master ${failover.killed} killed, replica ${failover.promoted} took over`);
          }
          return done.join(', ');
        },
        // Replication is asynchronous and BullMQ does not WAIT: a failover can lose its last writes (a job's
        // completion, a lock), so each worker's task in flight may run once more, per master killed.
        extraExecutions: 2 * 2,
      },
    });
    expect(fault).toMatch(/^queue master \d+ killed, replica \d+ took over/);
  }, 240_000);
});
