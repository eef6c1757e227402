import { runExperiment, type ExperimentResult } from '@gridfold/core';
import { ExperimentStore, jobIds, keys, QUEUE } from '@gridfold/queue';
import { Queue } from 'bullmq';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './helpers/cluster.js';
import { comparable } from './helpers/compare.js';

// Issue #17: a KNN fold's queries split into part jobs over 2 real worker processes. The
// reference is the same spec run in-process (runExperiment): the distributed run must give the
// same cv_results and out-of-fold metrics exactly, store one result per task, and leave no part.

/** The seed spec's multilabel KNN (experiments/mnist-multilabel-knn.json) on 3,000 training images, 3 parts a task. */
const multilabel = {
  name: 'split-multilabel',
  dataset: { source: 'mnist', target: { kind: 'multilabel', labels: ['large', 'odd'] } },
  estimator: { name: 'KNeighborsClassifier' },
  cv: { n_splits: 3, subset: 3000 },
  scoring: 'f1_macro',
  refit: false,
  oof: { methods: ['predict'], metrics: ['f1_macro', 'f1_weighted'] },
  split_queries: 3,
};

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function submitAndEnd(spec: object): Promise<{ id: string; view: any }> {
  const res = await request(cluster!.api.app).post('/api/experiments').send(spec).expect(201);
  const id = res.body.id as string;
  const view = await cluster!.ended(id, 120_000);
  expect(view.status, view.error).toBe('completed');
  return { id, view };
}

describe('tasks split by their queries (real Redis, 2 worker processes)', () => {
  it('multilabel KNN in 3 parts a task: the in-process cv_results and oof metrics, one result per task, no part left', async () => {
    cluster = new TestCluster({ workers: 2 });
    const local = await runExperiment({ ...multilabel });
    const { id, view } = await submitAndEnd(multilabel);
    expect(comparable(view.result as ExperimentResult)).toEqual(comparable(local));
    expect((view.result as ExperimentResult).metrics).toBeTruthy();
    const store = new ExperimentStore(cluster.redis, cluster.prefix);
    expect(await store.taskParts(id)).toBe(3);
    expect(await store.doneTasks(id)).toBe(3);
    // The jobs were part jobs: task 0's part 2 ran, and no whole-task job existed.
    const queue = new Queue(QUEUE, { connection: cluster.redis, prefix: cluster.prefix });
    try {
      expect(await queue.getJob(jobIds.taskPart(id, 0, 2))).toBeTruthy();
      expect(await queue.getJob(jobIds.task(id, 0))).toBeUndefined();
    } finally {
      await queue.close();
    }
    expect(await cluster.redis.exists(keys(cluster.prefix).parts(id))).toBe(0);
    expect(await cluster.redis.hlen(keys(cluster.prefix).running(id))).toBe(0);
  });

  it('a KNN grid (shared neighbour search) in 2 parts a task equals the in-process run; "auto" splits cv=3 on 2 live workers in 2', async () => {
    cluster = new TestCluster({ workers: 2 });
    const grid = { name: 'split-grid', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, param_grid: { n_neighbors: [3, 5], weights: ['uniform', 'distance'] }, cv: { n_splits: 3, subset: 2400 }, refit: false };
    const local = await runExperiment({ ...grid });
    const { id, view } = await submitAndEnd({ ...grid, split_queries: 2 });
    expect(comparable(view.result as ExperimentResult)).toEqual(comparable(local));
    const store = new ExperimentStore(cluster.redis, cluster.prefix);
    expect(await store.taskParts(id)).toBe(2);
    expect(await cluster.redis.exists(keys(cluster.prefix).parts(id))).toBe(0);
    // "auto": with both workers' heartbeats live, 3 tasks on 2 slots get 2 parts each (cv=3 on 12,000 rows: 4,000 test rows a fold, 2,000 a part).
    await waitFor(async () => ((await request(cluster!.api.app).get('/api/workers')).body.workers.length === 2 ? true : undefined), 30_000, 'two worker heartbeats');
    const auto = await request(cluster.api.app).post('/api/experiments').send({ ...grid, name: 'split-auto', cv: { n_splits: 3, subset: 12_000 } }).expect(201);
    expect(await store.taskParts(auto.body.id)).toBe(2);
    await request(cluster.api.app).delete(`/api/experiments/${auto.body.id}`).expect(200);
  });

  it('survives a worker SIGKILLed while it runs a part: the same results, one stored result per task, no part left', async () => {
    // The victim starts alone, so the part it is killed in is its own (with two workers from the
    // start, the other one could take every part first and the kill would hit nothing).
    cluster = new TestCluster({ workers: 1, lockMs: 3000, stalledMs: 1000 });
    const spec = { ...multilabel, name: 'split-kill', cv: { n_splits: 3, subset: 12000 } };
    const local = await runExperiment({ ...spec });
    const submitted = await request(cluster.api.app).post('/api/experiments').send(spec).expect(201);
    const id = submitted.body.id as string;
    const victim = cluster.workers[0];
    const running = keys(cluster.prefix).running(id);
    await waitFor(async () => {
      const h = await cluster!.redis.hgetall(running);
      return Object.values(h).some((v) => JSON.parse(v).worker === victim.id) ? true : undefined;
    }, 60_000, 'a part to run on the victim worker', 10);
    await victim.kill('SIGKILL');
    cluster.addWorker();
    victim.start();
    const view = await cluster.ended(id, 120_000);
    expect(view.status, view.error).toBe('completed');
    expect(comparable(view.result as ExperimentResult)).toEqual(comparable(local));
    const store = new ExperimentStore(cluster.redis, cluster.prefix);
    expect(await store.doneTasks(id)).toBe(3);
    const executions = await store.executions(id);
    expect(Object.values(executions.stored)).toEqual([1, 1, 1]);
    expect(await cluster.redis.exists(keys(cluster.prefix).parts(id))).toBe(0);
  });

  it('refuses split_queries > 1 for an estimator that does not split its queries, naming the field', async () => {
    cluster = new TestCluster({ workers: 0 });
    const res = await request(cluster.api.app)
      .post('/api/experiments')
      .send({ name: 'no-split', dataset: { source: 'mnist' }, estimator: { name: 'SGDClassifier' }, cv: 3, split_queries: 2 })
      .expect(400);
    expect(res.body.issues[0].path).toBe('split_queries');
    expect(res.body.issues[0].message).toContain('KNeighborsClassifier');
  });
});
