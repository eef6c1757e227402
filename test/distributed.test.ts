import { runExperiment, type ExperimentResult } from '@gridfold/core';
import { ExperimentStore, keys } from '@gridfold/queue';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './helpers/cluster.js';
import { comparable } from './helpers/compare.js';
import { describeTally, tallyExecutions } from './helpers/executions.js';

/** A small seed-style KNN sweep: 2,000 training images, cv=3, refit on them, test on 10,000. */
const smallGrid = {
  name: 'knn-small',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { weights: ['uniform', 'distance'], n_neighbors: [3, 4, 5] },
  cv: { n_splits: 3, subset: 2000 },
  refit: { subset: 2000 },
};


async function runThrough(cluster: TestCluster, spec: object, timeoutMs = 120_000): Promise<{ id: string; result: ExperimentResult }> {
  const res = await request(cluster.api.app).post('/api/experiments').send(spec).expect(201);
  const id = res.body.id as string;
  const view = await waitFor(
    async () => {
      const r = await request(cluster.api.app).get(`/api/experiments/${id}`).expect(200);
      return ['completed', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
    },
    timeoutMs,
    `experiment ${id} to finish`,
  );
  expect(view.status, view.error).toBe('completed');
  return { id, result: view.result as ExperimentResult };
}

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('distributed runner (real Redis, real worker processes)', () => {
  it('gives the same cv_results with 2 workers as --local', async () => {
    cluster = new TestCluster({ workers: 2 });
    const local = await runExperiment(smallGrid);
    const { result } = await runThrough(cluster, smallGrid);
    expect(comparable(result)).toEqual(comparable(local));
    expect(result.cv_results!.params).toHaveLength(6);
  });

  it('runs single fits batched several to a job (batch_size) with the same cv_results as --local', async () => {
    cluster = new TestCluster({ workers: 2 });
    const spec = { name: 'sgd-batched', dataset: { source: 'mnist' }, estimator: { name: 'SGDClassifier', params: { random_state: 42, max_iter: 5, tol: null } }, param_grid: { alpha: [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1] }, cv: { n_splits: 3, subset: 1000 }, refit: { subset: 1000 }, batch_size: 4 };
    const local = await runExperiment({ ...spec, batch_size: 1 });
    const { id, result } = await runThrough(cluster, spec);
    expect(comparable(result)).toEqual(comparable(local));
    // 6 cells x 3 folds = 18 fits, 4 to a job within a fold: jobs of 4 and 2 cells, 2 a fold.
    expect((await request(cluster.api.app).get(`/api/experiments/${id}`).expect(200)).body.progress).toMatchObject({ done: 6, total: 6 });
    expect(result.cv_results!.params).toHaveLength(6);
  });

  it('runs concurrent jobs of one worker in a sandboxed child each, with the same cv_results', async () => {
    cluster = new TestCluster({ workers: 1, concurrency: 2 });
    const local = await runExperiment(smallGrid);
    const { result } = await runThrough(cluster, smallGrid);
    expect(comparable(result)).toEqual(comparable(local));
    // Three fold tasks are ready at once, so both slots fork a child; aggregate and refit reuse them.
    expect(cluster.workers[0].sandboxes()).toHaveLength(2);
  });

  it('survives a worker SIGKILLed in the middle of a task, storing each result once and re-running at most the killed task', async () => {
    cluster = new TestCluster({ workers: 2, lockMs: 3000, stalledMs: 1000 });
    // One task per fold x cell, so there are many tasks to interrupt.
    const spec = { ...smallGrid, name: 'knn-small-kill', group_cells: false };
    const local = await runExperiment(spec);
    const submitted = await request(cluster.api.app).post('/api/experiments').send(spec).expect(201);
    const id = submitted.body.id as string;
    const victim = cluster.workers[0];
    const running = keys(cluster.prefix).running(id);
    await waitFor(async () => {
      const h = await cluster!.redis.hgetall(running);
      return Object.values(h).some((v) => JSON.parse(v).worker === victim.id) ? true : undefined;
    }, 60_000, 'a task to run on the victim worker');
    await victim.kill('SIGKILL');
    victim.start();
    const view = await waitFor(async () => {
      const r = await request(cluster!.api.app).get(`/api/experiments/${id}`);
      return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
    }, 120_000, 'the sweep to finish after the kill');
    expect(view.status, view.error).toBe('completed');
    expect(comparable(view.result)).toEqual(comparable(local));
    // One kill of a worker running one task: that task may start again, nothing else.
    const tally = tallyExecutions(await new ExperimentStore(cluster.redis, cluster.prefix).executions(id), submitted.body.tasks);
    console.info(`worker kill: ${describeTally(tally)}`);
    expect(tally).toMatchObject({ storedTwice: 0, neverStored: 0, computedTwice: 0 });
    expect(tally.extraStarts).toBeLessThanOrEqual(1);
  });

  it('answers 400 naming the bad fields, and stores nothing', async () => {
    cluster = new TestCluster({ workers: 0 });
    const res = await request(cluster.api.app)
      .post('/api/experiments')
      .send({ name: 'bad one', dataset: { source: 'mnist' }, estimator: { name: 'NoSuchEstimator' }, cv: 1 })
      .expect(400);
    expect(res.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['cv', 'name']);
    const unknownEstimator = await request(cluster.api.app).post('/api/experiments').send({ ...smallGrid, estimator: { name: 'NoSuchEstimator' } }).expect(400);
    expect(unknownEstimator.body.issues[0].message).toContain('"NoSuchEstimator"');
    const unknownParam = await request(cluster.api.app).post('/api/experiments').send({ ...smallGrid, param_grid: { n_neighbours: [3] } }).expect(400);
    expect(unknownParam.body.issues[0].path).toBe('param_grid.n_neighbours');
    await request(cluster.api.app).post('/api/experiments').set('content-type', 'application/json').send('{"name":').expect(400);
    const list = await request(cluster.api.app).get('/api/experiments').expect(200);
    expect(list.body.experiments).toEqual([]);
  });

  it('cancels: pending tasks removed, status cancelled, other experiments untouched', async () => {
    cluster = new TestCluster({ workers: 0 });
    const a = await request(cluster.api.app).post('/api/experiments').send(smallGrid).expect(201);
    const b = await request(cluster.api.app).post('/api/experiments').send({ ...smallGrid, name: 'other' }).expect(201);
    const del = await request(cluster.api.app).delete(`/api/experiments/${a.body.id}`).expect(200);
    expect(del.body.status).toBe('cancelled');
    expect(del.body.removed_jobs).toBe(a.body.tasks + 2);
    expect((await request(cluster.api.app).get(`/api/experiments/${a.body.id}`)).body.status).toBe('cancelled');
    expect((await request(cluster.api.app).get(`/api/experiments/${b.body.id}`)).body.status).toBe('queued');
    await request(cluster.api.app).delete(`/api/experiments/${a.body.id}`).expect(409);
    await request(cluster.api.app).delete('/api/experiments/nope').expect(404);
    // The other experiment still runs to the end once a worker comes.
    cluster.addWorker();
    const done = await waitFor(async () => {
      const r = await request(cluster!.api.app).get(`/api/experiments/${b.body.id}`);
      return r.body.status === 'completed' ? r.body : undefined;
    }, 120_000, 'the untouched experiment to complete');
    expect(done.result.best_params).not.toBeNull();
  });
});
