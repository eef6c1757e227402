import { runExperiment } from '@gridfold/core';
import { ExperimentStore, keys } from '@gridfold/queue';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './helpers/cluster.js';
import { comparable } from './helpers/compare.js';
import { describeTally, tallyExecutions } from './helpers/executions.js';

/**
 * Chaos: a sweep of 200 tasks on 2 worker processes while a random worker is SIGKILLed (with
 * its sandboxed children) at random moments at least 20 times and restarted each time. The
 * run is bounded: kills stop after 20 or 150 s, the whole test after 300 s.
 */
const KILLS = Number(process.env.GRIDFOLD_CHAOS_KILLS ?? 20);
const spec = {
  name: 'chaos',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { weights: ['uniform', 'distance'], n_neighbors: Array.from({ length: 20 }, (_, i) => i + 1) },
  cv: { n_splits: 5, subset: 10000 },
  refit: { subset: 3000 },
  group_cells: false,
};


describe('chaos', () => {
  const cluster = new TestCluster({ workers: 2, lockMs: 2000, stalledMs: 1000 });
  afterAll(() => cluster.close());

  it(`completes with identical results after ${KILLS} random SIGKILLs, storing each result once and re-running at most one task per kill`, async () => {
    // The undisturbed reference runs grouped (5 tasks, seconds); grouping gives identical cv_results (run-local tests).
    const undisturbed = await runExperiment({ ...spec, group_cells: true });
    const { body } = await request(cluster.api.app).post('/api/experiments').send(spec).expect(201);
    const resultsKey = keys(cluster.prefix).results(body.id);
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // Progress is watched in the background: the recovery time of a kill is the time until
    // the next task result is stored after it.
    const progressAt: number[] = [];
    let watching = true;
    const watcher = (async () => {
      let last = 0;
      while (watching) {
        const n = await cluster.redis.hlen(resultsKey);
        if (n > last) progressAt.push(Date.now());
        last = n;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const killTimes: number[] = [];
    const started = Date.now();
    while (killTimes.length < KILLS && Date.now() - started < 150_000) {
      await new Promise((r) => setTimeout(r, 300 + random() * 600));
      const status = (await request(cluster.api.app).get(`/api/experiments/${body.id}`)).body.status;
      if (status !== 'running' && status !== 'queued') break;
      const victim = cluster.workers[Math.floor(random() * cluster.workers.length)];
      killTimes.push(Date.now());
      await victim.kill('SIGKILL');
      victim.start();
    }
    const kills = killTimes.length;
    const view = await waitFor(async () => {
      const r = await request(cluster.api.app).get(`/api/experiments/${body.id}`);
      return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
    }, 120_000, 'the sweep to finish after the kills');
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    expect(view.status, view.error).toBe('completed');
    expect(comparable(view.result)).toEqual(comparable(undisturbed));
    watching = false;
    await watcher;
    // Executions as the processors counted them: each kill takes down one worker running at
    // most one task (concurrency 1), so it can cost at most one start, and a task whose result
    // is stored is never computed again; every result is written exactly once.
    const tally = tallyExecutions(await new ExperimentStore(cluster.redis, cluster.prefix).executions(body.id), body.tasks);
    const recoveries = killTimes.map((t) => (progressAt.find((p) => p > t) ?? Date.now()) - t).sort((a, b) => a - b);
    console.info(`chaos: ${kills} kills survived; ${describeTally(tally)}; recovery ms p50 ${recoveries[Math.floor(recoveries.length / 2)]} max ${recoveries[recoveries.length - 1]}; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(tally).toMatchObject({ storedTwice: 0, neverStored: 0 });
    expect(tally.extraStarts).toBeLessThanOrEqual(kills);
    expect(tally.extraComputations).toBeLessThanOrEqual(kills);
  }, 300_000);
});
