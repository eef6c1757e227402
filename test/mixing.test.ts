import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSpec, planExperiment, runExperiment, type TaskResult } from '@gridfold/core';
import { buildFlow, keys } from '@gridfold/queue';
import { FlowProducer } from 'bullmq';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './helpers/cluster.js';
import { comparable } from './helpers/compare.js';
import { writeMnistCsv } from './helpers/data-dir.js';

// Issue 13, "results never mix": each test changes something under a running or retried
// experiment and checks that every result it ends with was computed on one version of the data
// by one run. Each failed on the code before run generations and data fingerprints were checked
// (branch point 270466d): the first two ended "completed" with results of two datasets, the
// third with the partial results of the run that was retried.

/**
 * A CSV sweep of 24 one-cell tasks (8 cells x 3 folds) on 1,500 MNIST rows (14 x 14 pixels).
 * Two versions of the data: rows 0..1499 (A) and rows 1500..2999 (B). Reference results
 * come from in-process runs on copies named a.csv and b.csv (so the test process's dataset
 * cache never holds a stale train.csv).
 */
const spec = {
  name: 'mixing',
  dataset: { source: 'csv', train: 'train.csv', label: 'label' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { weights: ['uniform', 'distance'], n_neighbors: [1, 3, 5, 7] },
  cv: 3,
  refit: true,
  group_cells: false,
};
const ROWS = 1500;

async function dataDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gridfold-mixing-'));
  await writeMnistCsv(join(dir, 'a.csv'), 0, ROWS);
  await writeMnistCsv(join(dir, 'b.csv'), ROWS, ROWS);
  copyFileSync(join(dir, 'a.csv'), join(dir, 'train.csv'));
  return dir;
}

const local = (dir: string, file: 'a.csv' | 'b.csv') => runExperiment({ ...spec, dataset: { ...spec.dataset, train: file } }, { dataDir: dir });

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('results never mix', () => {
  it('a retry after the dataset file changed re-runs every task on the new data, keeping none of the old results', async () => {
    const dir = await dataDir();
    const [a, b] = [await local(dir, 'a.csv'), await local(dir, 'b.csv')];
    expect(comparable(a).cv_results).not.toEqual(comparable(b).cv_results);
    cluster = new TestCluster({ workers: 1, dataDir: dir });
    const { body } = await request(cluster.api.app).post('/api/experiments').send(spec).expect(201);
    const resultsKey = keys(cluster.prefix).results(body.id);
    await waitFor(async () => ((await cluster!.redis.hlen(resultsKey)) >= 3 ? true : undefined), 60_000, 'three tasks to finish on A');
    await request(cluster.api.app).delete(`/api/experiments/${body.id}`).expect(200);
    await waitFor(async () => ((await cluster!.redis.hlen(keys(cluster!.prefix).running(body.id))) === 0 ? true : undefined), 30_000, 'the running task to end');
    const keptOnA = await cluster.redis.hlen(resultsKey);
    copyFileSync(join(dir, 'b.csv'), join(dir, 'train.csv'));

    const retry = await request(cluster.api.app).post(`/api/experiments/${body.id}/retry`).expect(202);
    const done = await cluster.ended(body.id);
    expect(done.status, done.error).toBe('completed');
    // Before the fix: the results of A were kept beside B's, and the refit ran on B.
    expect(comparable(done.result)).toEqual(comparable(b));
    expect(retry.body).toMatchObject({ data_changed: true, dropped_tasks: keptOnA, kept_tasks: 0 });
    expect(retry.body.rerun_tasks).toHaveLength(body.tasks);
    const bound = await cluster.redis.hget(keys(cluster.prefix).experiment(body.id), 'fingerprint');
    const stored = Object.values(await cluster.redis.hgetall(resultsKey)).map((v) => JSON.parse(v) as TaskResult & { generation: number; fingerprint: string });
    expect(stored).toHaveLength(body.tasks);
    expect(new Set(stored.map((r) => `${r.generation} ${r.fingerprint}`))).toEqual(new Set([`1 ${bound}`]));
  });

  it('a CSV edited mid-sweep: a sandbox that reads the new file stores nothing, and the sweep says why', async () => {
    const dir = await dataDir();
    const a = await local(dir, 'a.csv');
    cluster = new TestCluster({ workers: 1, dataDir: dir, lockMs: 2000, stalledMs: 1000 });
    const { body } = await request(cluster.api.app).post('/api/experiments').send(spec).expect(201);
    const resultsKey = keys(cluster.prefix).results(body.id);
    // The first worker's sandbox has loaded A once it stores a result; it keeps that copy.
    // Stop it (it stays alive, holding A), change the file, and start a second worker, whose
    // sandbox reads B: before the fix it computed the remaining tasks on B.
    await waitFor(async () => ((await cluster!.redis.hlen(resultsKey)) >= 1 ? true : undefined), 60_000, 'a task to finish on A', 20);
    const first = cluster.workers[0];
    first.signal('SIGSTOP');
    try {
      copyFileSync(join(dir, 'b.csv'), join(dir, 'train.csv'));
      cluster.addWorker();
      const done = await cluster.ended(body.id);
      const stored = Object.values(await cluster.redis.hgetall(resultsKey)).map((v) => JSON.parse(v) as TaskResult);
      // Every stored score is A's score for that fold and cell: nothing computed on B was kept.
      const scoreOnA = (fold: number, cell: number) => (a.cv_results as unknown as Record<string, number[]>)[`split${fold}_test_score`][cell];
      for (const r of stored) for (const c of r.cells) expect(c.test_score, `task ${r.task} cell ${c.cell}`).toBe(scoreOnA(r.fold, c.cell));
      expect(stored.length).toBeGreaterThanOrEqual(1);
      // The other tasks could not run on A (no running sandbox holds it): each says why, and
      // with a fold missing in every cell there is nothing to refit.
      const reasons = await cluster.redis.hgetall(keys(cluster.prefix).taskErrors(body.id));
      expect(Object.keys(reasons).length + stored.length).toBe(body.tasks);
      for (const reason of Object.values(reasons)) expect(reason).toContain("the dataset's files changed after the experiment was bound to them");
      expect(done.status).toBe('failed');
      expect(done.error).toContain('every cell failed; nothing to refit');
    } finally {
      first.signal('SIGCONT');
    }
  });

  it('an aggregate of the run that was retried does not end the retry with its partial results', async () => {
    // 60 one-cell tasks: the cancel comes with most of them still to do.
    const grid = { name: 'stale-aggregate', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, param_grid: { weights: ['uniform', 'distance'], n_neighbors: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, cv: { n_splits: 3, subset: 2000 }, refit: { subset: 2000 }, group_cells: false };
    const reference = await runExperiment(grid);
    cluster = new TestCluster({ workers: 1 });
    const { body } = await request(cluster.api.app).post('/api/experiments').send(grid).expect(201);
    const resultsKey = keys(cluster.prefix).results(body.id);
    await waitFor(async () => ((await cluster!.redis.hlen(resultsKey)) >= 2 ? true : undefined), 60_000, 'two tasks to finish', 20);
    await request(cluster.api.app).delete(`/api/experiments/${body.id}`).expect(200);
    await waitFor(async () => ((await cluster!.redis.hlen(keys(cluster!.prefix).running(body.id))) === 0 ? true : undefined), 30_000, 'the running task to end');
    const retry = await request(cluster.api.app).post(`/api/experiments/${body.id}/retry`).expect(202);
    expect(retry.body.rerun_tasks.length).toBeGreaterThan(0);
    // Generation 0's aggregate and refit, as if they had still been running when the retry came:
    // steps go before fit tasks, so they run while generation 1's tasks are still to do.
    const fingerprint = (await cluster.redis.hget(keys(cluster.prefix).experiment(body.id), 'fingerprint')) ?? '';
    const stale = buildFlow(body.id, cluster.prefix, planExperiment(checkSpec(grid)), { generation: 0, fingerprint });
    stale.opts!.jobId += '-late';
    stale.children![0] = { ...stale.children![0], children: [], opts: { ...stale.children![0].opts, jobId: `${stale.children![0].opts!.jobId}-late` } };
    const flows = new FlowProducer({ connection: cluster.redis, prefix: cluster.prefix });
    await flows.add(stale);
    await flows.close();
    const done = await cluster.ended(body.id);
    expect(done.status, done.error).toBe('completed');
    // Before the fix: completed by generation 0 with only the first tasks' results.
    expect(done.result.tasks).toEqual({ done: body.tasks, total: body.tasks });
    expect(comparable(done.result)).toEqual(comparable(reference));
  });
});
