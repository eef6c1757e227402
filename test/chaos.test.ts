import { afterAll, describe, it } from 'vitest';
import { runChaos } from './helpers/chaos.js';
import { TestCluster } from './helpers/cluster.js';

/**
 * Chaos: a sweep of 200 tasks on 2 worker processes while a worker is SIGKILLed (with its
 * sandboxed children) at least 20 times and restarted each time: every other kill inside a task
 * no kill hit before, the others at whatever moment they fall (runChaos's `'timed'` pace). The
 * run is bounded: kills stop after 20 or 150 s, the whole test after 300 s. The same scenario
 * runs on a Redis Cluster, with a master killed too, in test/redis-cluster-chaos.test.ts.
 */
const KILLS = Number(process.env.GRIDFOLD_CHAOS_KILLS ?? 20);

describe('chaos', () => {
  const cluster = new TestCluster({ workers: 2, lockMs: 2000, stalledMs: 1000 });
  afterAll(() => cluster.close());

  it(`completes with identical results after ${KILLS} random SIGKILLs, storing each result once and re-running at most one task per kill`, async () => {
    await runChaos(cluster, { kills: KILLS });
  }, 300_000);
});
