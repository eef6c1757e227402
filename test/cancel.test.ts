import { jobIds, keys } from '@gridfold/queue';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, viewWhenEnded, waitFor } from './helpers/cluster.js';

/**
 * DELETE stops the tasks that are running, not only the pending ones. A task of `slow` runs
 * SGD for 10^7 epochs (about an hour here; each epoch a synchronous pass, so only killing its
 * process can stop it), so the worker only gets to the next experiment if the cancel kills it.
 */
const slow = {
  name: 'slow',
  dataset: { source: 'mnist', target: { kind: 'binary', positive: 5 } },
  estimator: { name: 'SGDClassifier', params: { random_state: 42, tol: null, max_iter: 10_000_000 } },
  param_grid: { alpha: [0.0001, 0.001] },
  cv: { n_splits: 2, subset: 2000 },
  refit: false,
  group_cells: false,
};
const quick = {
  name: 'quick',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { n_neighbors: [1] },
  cv: { n_splits: 2, subset: 500 },
  refit: false,
};

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('cancel', () => {
  it('kills the running task of a cancelled sweep within seconds and removes its pending jobs by id', async () => {
    cluster = new TestCluster({ workers: 1, lockMs: 2000, stalledMs: 1000 });
    const { app, store, queue } = cluster.api;
    const a = (await request(app).post('/api/experiments').send(slow).expect(201)).body;
    const running = await waitFor(async () => {
      const tasks = Object.keys(await store.runningTasks(a.id));
      return tasks.length ? Number(tasks[0]) : undefined;
    }, 60_000, 'a task of the slow sweep to start');
    const del = await request(app).delete(`/api/experiments/${a.id}`).expect(200);
    const cancelledAt = Date.now();
    // Every job but the running task: the refit, the aggregate and the other tasks.
    expect(del.body.removed_jobs).toBe(a.tasks + 2 - 1);
    const b = (await request(app).post('/api/experiments').send(quick).expect(201)).body;
    const done = await viewWhenEnded(app, b.id, 60_000);
    expect(done.status, done.error).toBe('completed');
    const afterMs = Date.now() - cancelledAt;
    console.info(`cancel: the next experiment completed ${(afterMs / 1000).toFixed(1)} s after the DELETE`);
    expect(afterMs).toBeLessThan(20_000);
    // Nothing of the cancelled sweep is left to run: its killed task failed, saying why.
    const killed = await queue.getJob(jobIds.task(a.id, running));
    expect(await killed!.getState()).toBe('failed');
    expect(killed!.failedReason).toBe(`experiment ${a.id} was cancelled while this job ran`);
    for (let t = 0; t < a.tasks; t++) if (t !== running) expect(await queue.getJobState(jobIds.task(a.id, t))).toBe('unknown');
    expect(await queue.getJobState(jobIds.aggregate(a.id))).toBe('unknown');
    expect(await queue.getJobState(jobIds.root(a.id))).toBe('unknown');
    expect(await store.runningTasks(a.id)).toEqual({});
    // A cancelled task is no failure of its cells: nothing is recorded against them.
    expect(await cluster.redis.hlen(keys(cluster.prefix).taskErrors(a.id))).toBe(0);
    expect(await store.status(a.id)).toBe('cancelled');
  });
});
