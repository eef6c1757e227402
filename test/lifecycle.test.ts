import { randomUUID } from 'node:crypto';
import { checkSpec, planExperiment } from '@gridfold/core';
import { buildFlow, buildHalvingRound, buildRefitJob, jobIds, keys, type ExperimentRecord, type HalvingState } from '@gridfold/queue';
import { FlowProducer } from 'bullmq';
import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordWhenEnded, TestCluster, viewWhenEnded, waitFor, type WorkerProcess } from './helpers/cluster.js';
import { frozenInTask } from './helpers/chaos.js';
import { comparable } from './helpers/compare.js';
import { mnistIdxDir } from './helpers/data-dir.js';

/**
 * Nothing stays running forever (issue 13): final failures of any job end the experiment,
 * a redelivered halving step finishes its chain, cancel stops running tasks, and time limits
 * stop tasks that run too long. Real worker processes on a unique prefix; short locks.
 */

/** A sweep that takes a worker well under a second. */
const tiny = checkSpec({
  name: 'tiny',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { n_neighbors: [1, 3] },
  cv: { n_splits: 2, subset: 500 },
  refit: false,
});

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** SIGKILLs `worker`'s sandboxed children whenever job `jobId` is active, until the experiment ends. */
async function killWhileActive(cluster: TestCluster, worker: WorkerProcess, id: string, jobId: string, timeoutMs: number): Promise<{ record: ExperimentRecord; kills: number }> {
  const deadline = Date.now() + timeoutMs;
  let kills = 0;
  while (Date.now() < deadline) {
    if ((await cluster.api.queue.getJobState(jobId)) === 'active') {
      for (const pid of worker.sandboxes()) {
        process.kill(pid, 'SIGKILL');
        kills++;
      }
    }
    const record = (await cluster.api.store.get(id))!;
    if (cluster.api.store.isTerminal(record.status)) return { record, kills };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`experiment ${id} did not end within ${timeoutMs} ms (${kills} kills)`);
}

describe('final failures', () => {
  it('an aggregate whose sandbox dies on every attempt fails the experiment with the reason, in seconds', async () => {
    cluster = new TestCluster({ workers: 0, lockMs: 2000, stalledMs: 1000 });
    const id = randomUUID();
    await cluster.api.store.create(id, tiny);
    // A flow whose aggregate has no task left to wait for (as a retry after every task has a
    // result): it is the first job a fresh worker runs, so it starts in a cold sandbox and is
    // still starting when it is killed.
    const flows = new FlowProducer({ connection: cluster.redis, prefix: cluster.prefix });
    await flows.add(buildFlow(id, cluster.prefix, planExperiment(tiny), { generation: 0, fingerprint: '' }, { only: [] }));
    await flows.close();
    const started = Date.now();
    const worker = cluster.addWorker();
    const { record, kills } = await killWhileActive(cluster, worker, id, jobIds.aggregate(id), 40_000);
    expect(kills).toBeGreaterThanOrEqual(2);
    expect(record.status).toBe('failed');
    expect(record.error).toMatch(/^aggregate job failed: .*SIGKILL/);
    const tookMs = Date.now() - started;
    console.info(`aggregate sandbox killed ${kills} times: experiment failed ${(tookMs / 1000).toFixed(1)} s after the worker started`);
    expect(tookMs).toBeLessThan(30_000);
  });

  it('a refit that throws before its own error handling, on every attempt, fails the experiment with the reason', async () => {
    cluster = new TestCluster({ workers: 1, lockMs: 2000, stalledMs: 1000 });
    const id = randomUUID();
    await cluster.api.store.create(id, tiny);
    // A refit with no aggregated results to refit from: it throws before its try block.
    const flows = new FlowProducer({ connection: cluster.redis, prefix: cluster.prefix });
    await flows.add(buildRefitJob(id, cluster.prefix, { generation: 0, fingerprint: '' }));
    await flows.close();
    const record = await recordWhenEnded(cluster.api.store, id, 30_000);
    expect(record.status).toBe('failed');
    expect(record.error).toBe(`refit job failed: experiment ${id} has no aggregated results`);
  });

  it('a fit task whose worker is killed inside it more often than GRIDFOLD_MAX_STALLS allows fails with a reason naming the setting; the others complete', async () => {
    // GRIDFOLD_MAX_STALLS=0: the first kill inside a task is one more than allowed.
    cluster = new TestCluster({ workers: 1, lockMs: 2000, stalledMs: 1000, env: { GRIDFOLD_MAX_STALLS: '0' } });
    const [worker] = cluster.workers;
    const { body } = await request(cluster.api.app)
      .post('/api/experiments')
      .send({ ...tiny, name: 'stall-limit', param_grid: { n_neighbors: [1] }, cv: { n_splits: 2, subset: 2000 } })
      .expect(201);
    // Frozen, then seen still inside its task (a running entry whose result is not stored), then killed.
    const killed = await waitFor(async () => {
      const running = Object.values(await cluster!.api.store.runningTasks(body.id)).some((r) => r.worker === worker.id);
      return running ? frozenInTask(cluster!, cluster!.api.store, worker, body.id) : undefined;
    }, 30_000, 'the worker inside a task', 20);
    await worker.kill('SIGKILL');
    worker.start();
    const view = await cluster.ended(body.id, 60_000);
    expect(view.status).toBe('completed');
    expect(view.result.errors).toEqual([
      {
        cell: 0,
        fold: killed,
        error: 'its worker stopped while running it (killed, out of memory or crashed) 1 time, more than GRIDFOLD_MAX_STALLS (0) allows: given up, as a job that stops its worker every time would stop workers forever',
      },
    ]);
    // The other fold has its score.
    expect(view.result.cv_results[`split${1 - killed}_test_score`][0]).toEqual(expect.any(Number));
  });
});

/**
 * A halving step saves round r+1, then adds its flow. A worker killed between the two left
 * the redelivered step on its "already planned" branch, which added nothing: the search
 * never ended. Here the search runs once, then is put back in that state (round 1 saved,
 * nothing of it enqueued, round 0's step redelivered) and must end as before.
 */
const halvingSpec = {
  name: 'halving-redelivery',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { n_neighbors: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
  cv: { n_splits: 3, subset: 1500 },
  search: { kind: 'halving', factor: 3, random_state: 0 },
  refit: { subset: 1500 },
};

describe('halving redelivery', () => {
  it('a step redelivered after saving the next round, whose flow was never added, enqueues it and the search ends', async () => {
    cluster = new TestCluster({ workers: 1, lockMs: 2000, stalledMs: 1000 });
    const { app, store, queue } = cluster.api;
    const { body } = await request(app).post('/api/experiments').send(halvingSpec).expect(201);
    const id: string = body.id;
    const reference = await viewWhenEnded(app, id, 60_000);
    expect(reference.status, reference.error).toBe('completed');
    const state = (await store.halving(id))!;
    expect(state.rounds.length).toBe(3);

    // The state a worker killed right after round 0's step saved round 1 leaves: rounds 0 and 1
    // saved, round 1's tasks never run, no later round, no summary, and no job but round 0's
    // step, back in the queue for its redelivery.
    await queue.obliterate({ force: true });
    const crashed: HalvingState = { schedule: state.schedule, rounds: state.rounds.slice(0, 2) };
    await store.saveHalving(id, 0, crashed);
    const k = keys(cluster.prefix);
    const later = state.rounds.slice(1).flatMap((r) => Array.from({ length: r.tasks }, (_, i) => String(r.task_offset + i)));
    await cluster.redis.hdel(k.results(id), ...later);
    await cluster.redis.hdel(k.experiment(id), 'summary', 'metrics', 'result', 'finished_at', 'error');
    await cluster.redis.hset(k.experiment(id), 'status', 'running');
    const flows = new FlowProducer({ connection: cluster.redis, prefix: cluster.prefix });
    // The job carries the run the experiment was bound to at submission.
    const fingerprint = (await cluster.redis.hget(k.experiment(id), 'fingerprint')) ?? '';
    await flows.add(buildHalvingRound(id, cluster.prefix, 0, [], { generation: 0, fingerprint }));
    await flows.close();

    const again = await viewWhenEnded(app, id, 30_000);
    expect(again.status, again.error).toBe('completed');
    expect(comparable(again.result)).toEqual(comparable(reference.result));
    expect(await queue.getJobState(jobIds.halvingRound(id, 1))).toBe('completed');
  });
});

/**
 * DELETE stops the tasks that are running, not only the pending ones. A task of `slow` runs
 * SGD for 10^5 epochs (gridfold's max_iter limit; minutes here; each epoch a synchronous pass, so only killing its
 * process can stop it), so the worker only gets to the next experiment if the cancel kills it.
 */
const slow = {
  name: 'slow',
  dataset: { source: 'mnist', target: { kind: 'binary', positive: 5 } },
  estimator: { name: 'SGDClassifier', params: { random_state: 42, tol: null, max_iter: 100_000 } },
  param_grid: { alpha: [0.0001, 0.001] },
  cv: { n_splits: 2, subset: 2000 },
  refit: false,
  group_cells: false,
};

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
    const b = (await request(app).post('/api/experiments').send(tiny).expect(201)).body;
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

/**
 * A fit task past its time limit is killed and its cells recorded as failed with the reason;
 * the worker goes on with the next task. On 600 MNIST digits (loaded in milliseconds), cell 1
 * runs SGD for 10^5 epochs (minutes here), cell 0 for one; fit tasks get 2 s.
 */
let data: { dir: string; images: string; labels: string };
beforeAll(async () => {
  data = await mnistIdxDir(600);
});
const limitsSpec = {
  name: 'limits',
  dataset: { source: 'idx', train_images: 'images.idx', train_labels: 'labels.idx', target: { kind: 'binary', positive: 5 } },
  estimator: { name: 'SGDClassifier', params: { random_state: 42, tol: null } },
  param_grid: { max_iter: [1, 100_000] },
  cv: 2,
  refit: false,
  group_cells: false,
  timeouts: { fit_s: 2 },
};

describe('time limits', () => {
  it('kills a fit task past its limit, records its cells as failed with the reason, and goes on', async () => {
    cluster = new TestCluster({ workers: 1, lockMs: 2000, stalledMs: 1000, dataDir: data.dir });
    const { body } = await request(cluster.api.app).post('/api/experiments').send(limitsSpec).expect(201);
    const view = await viewWhenEnded(cluster.api.app, body.id, 60_000);
    expect(view.status, view.error).toBe('completed');
    expect(view.result.errors).toEqual([
      { cell: 1, fold: 0, error: 'fit task exceeded its 2s time limit' },
      { cell: 1, fold: 1, error: 'fit task exceeded its 2s time limit' },
    ]);
    expect(view.result.best_params).toEqual({ max_iter: 1 });
    expect(view.result.cv_results.mean_test_score[1]).toBeNull();
  });

  it('rejects a limit out of bounds, naming the field', async () => {
    cluster = new TestCluster({ workers: 0, dataDir: data.dir });
    const { body } = await request(cluster.api.app).post('/api/experiments').send({ ...limitsSpec, timeouts: { fit_s: 0 } }).expect(400);
    expect(body.issues).toEqual([{ path: 'timeouts.fit_s', message: 'seconds, from 1 to 604800 (7 days)' }]);
  });
});
