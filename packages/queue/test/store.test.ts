import { randomUUID } from 'node:crypto';
import { checkSpec, type ExperimentResult, type SearchSummary, type TaskResult } from '@gridfold/core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectRedis } from '../src/connection.js';
import { keys } from '../src/names.js';
import { ExperimentStore, type HalvingState } from '../src/store.js';

// Every number below is hand-chosen input (timestamps in milliseconds, task indices, counts
// of the items a test wrote); nothing is measured, so the tests pass at any machine speed.

const spec = checkSpec({
  name: 'store',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { n_neighbors: [3, 4] },
  cv: { n_splits: 3 },
});

function taskResult(task: number, testScore: number): TaskResult {
  return { task, fold: task, cells: [{ cell: 0, test_score: testScore, fit_ms: 1, score_ms: 1 }], ms: 2 };
}

/** The first run of an experiment created without a data fingerprint; a retry's run on other data. */
const run0 = { generation: 0, fingerprint: '' };
const run1 = { generation: 1, fingerprint: 'f1' };

/** A task result as the store keeps it: with the run that computed it. */
function stored(result: TaskResult, run = run0) {
  return { ...result, ...run };
}

const result: ExperimentResult = {
  id: 'e',
  name: 'store',
  status: 'completed',
  cv_results: null,
  best_params: { n_neighbors: 3 },
  best_score: 0.5,
  best_index: 0,
  test: { accuracy: 0.75 },
  metrics: {},
  errors: [],
  timings: { total_ms: 4, cv_ms: 2, refit_ms: 1, test_ms: 1 },
  tasks: { done: 3, total: 3 },
};

const summary: SearchSummary = {
  cv_results: { params: [] } as unknown as SearchSummary['cv_results'],
  best_index: 0,
  best_params: { n_neighbors: 3 },
  best_score: 0.5,
  tasks_done: 3,
  tasks_total: 3,
  errors: [],
  cache: { reused: 0, total: 6 },
};

const redis = connectRedis();
afterAll(() => redis.disconnect());

let prefix: string;
let store: ExperimentStore;
let k: ReturnType<typeof keys>;

beforeEach(() => {
  prefix = `test-${randomUUID()}`;
  store = new ExperimentStore(redis, prefix);
  k = keys(prefix);
});

afterEach(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length) await redis.del(...found);
});

describe('ExperimentStore records', () => {
  it('creates a queued record that get() returns with nothing run yet', async () => {
    await store.create('e', spec, 1000);
    expect(await store.get('e')).toEqual({
      id: 'e',
      name: 'store',
      status: 'queued',
      generation: 0,
      spec,
      created_at: 1000,
      started_at: null,
      finished_at: null,
      error: undefined,
      summary: null,
      metrics: {},
      result: null,
    });
    expect(await store.status('e')).toBe('queued');
    expect(await store.generation('e')).toBe(0);
  });

  it('answers null for an experiment it does not have', async () => {
    expect(await store.get('nope')).toBeNull();
    expect(await store.status('nope')).toBeNull();
  });

  it('lists ids newest first, paged by offset and limit', async () => {
    // Creation order differs from the ids' alphabetical order, so only the times can sort them.
    await store.create('c', spec, 1000);
    await store.create('a', spec, 3000);
    await store.create('b', spec, 2000);
    expect(await store.list()).toEqual(['a', 'b', 'c']);
    expect(await store.list(1, 1)).toEqual(['b']);
    expect(await store.list(2, 50)).toEqual(['c']);
  });

  it('keeps the summary and out-of-fold metrics', async () => {
    await store.create('e', spec, 1000);
    await store.saveSummary('e', 0, summary, { accuracy: 0.5 });
    const got = await store.get('e');
    expect(got?.summary).toEqual(summary);
    expect(got?.metrics).toEqual({ accuracy: 0.5 });
  });

  it('tells terminal statuses from the others', () => {
    expect(['completed', 'failed', 'cancelled'].map((s) => store.isTerminal(s as 'completed'))).toEqual([true, true, true]);
    expect(['queued', 'running'].map((s) => store.isTerminal(s as 'queued'))).toEqual([false, false]);
    expect(store.isTerminal(null)).toBe(false);
  });
});

describe('ExperimentStore.finish', () => {
  it('sets the terminal status, finished_at, error and result', async () => {
    await store.create('e', spec, 1000);
    expect(await store.finish('e', 'failed', { error: 'boom', result: { ...result, status: 'failed' } }, 5000)).toBe(true);
    const got = await store.get('e');
    expect(got).toMatchObject({ status: 'failed', finished_at: 5000, error: 'boom', result: { ...result, status: 'failed' } });
  });

  it('leaves error and result unset when not given', async () => {
    await store.create('e', spec, 1000);
    expect(await store.finish('e', 'completed', {}, 5000)).toBe(true);
    expect(await redis.hexists(k.experiment('e'), 'error')).toBe(0);
    expect(await redis.hexists(k.experiment('e'), 'result')).toBe(0);
  });

  it('never overwrites a terminal status: a cancelled sweep stays cancelled when a late job completes it', async () => {
    await store.create('e', spec, 1000);
    expect(await store.finish('e', 'cancelled', {}, 5000)).toBe(true);
    expect(await store.finish('e', 'completed', { result }, 6000)).toBe(false);
    const got = await store.get('e');
    expect(got).toMatchObject({ status: 'cancelled', finished_at: 5000, result: null });
  });

  it('does not overwrite completed or failed either', async () => {
    await store.create('c', spec, 1000);
    await store.finish('c', 'completed', {}, 5000);
    expect(await store.finish('c', 'failed', { error: 'late' }, 6000)).toBe(false);
    expect(await store.get('c')).toMatchObject({ status: 'completed', finished_at: 5000, error: undefined });

    await store.create('f', spec, 1000);
    await store.finish('f', 'failed', { error: 'first' }, 5000);
    expect(await store.finish('f', 'cancelled', {}, 6000)).toBe(false);
    expect(await store.get('f')).toMatchObject({ status: 'failed', finished_at: 5000, error: 'first' });
  });

  it('does not create a record for an experiment it does not have', async () => {
    expect(await store.finish('nope', 'cancelled', {}, 5000)).toBe(false);
    expect(await redis.exists(k.experiment('nope'))).toBe(0);
  });
});

describe('ExperimentStore.beginTask', () => {
  it("returns 'run', moves queued to running with started_at once, and records the task as running", async () => {
    await store.create('e', spec, 1000);
    expect(await store.beginTask('e', 0, 'w1', run0, 2000)).toBe('run');
    expect(await store.get('e')).toMatchObject({ status: 'running', started_at: 2000 });
    expect(await store.beginTask('e', 1, 'w2', run0, 3000)).toBe('run');
    expect((await store.get('e'))?.started_at).toBe(2000);
    expect(await store.runningTasks('e')).toEqual({ 0: { worker: 'w1', since: 2000 }, 1: { worker: 'w2', since: 3000 } });
  });

  it("returns 'done' for a task whose result is already stored, without marking it running", async () => {
    await store.create('e', spec, 1000);
    await store.beginTask('e', 0, 'w1', run0, 2000);
    await store.endTask('e', taskResult(0, 0.5), run0);
    expect(await store.beginTask('e', 0, 'w2', run0, 3000)).toBe('done');
    expect(await store.runningTasks('e')).toEqual({});
  });

  it("returns 'done' before touching a queued experiment's status", async () => {
    await store.create('e', spec, 1000);
    await redis.hset(k.results('e'), '0', JSON.stringify(taskResult(0, 0.5)));
    expect(await store.beginTask('e', 0, 'w1', run0, 2000)).toBe('done');
    expect(await store.get('e')).toMatchObject({ status: 'queued', started_at: null });
  });

  it.each(['cancelled', 'failed'] as const)("returns '%s' for an experiment with that status and leaves it as it is", async (status) => {
    await store.create('e', spec, 1000);
    await store.finish('e', status, {}, 1500);
    expect(await store.beginTask('e', 0, 'w1', run0, 2000)).toBe(status);
    expect(await store.get('e')).toMatchObject({ status, started_at: null });
    expect(await store.runningTasks('e')).toEqual({});
  });

  it("returns 'missing' for an experiment it does not have, and writes nothing", async () => {
    expect(await store.beginTask('nope', 0, 'w1', run0, 2000)).toBe('missing');
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });

  it("runs a task of a completed experiment (a retry's redelivery) without restarting it", async () => {
    await store.create('e', spec, 1000);
    await store.finish('e', 'completed', {}, 1500);
    expect(await store.beginTask('e', 0, 'w1', run0, 2000)).toBe('run');
    expect(await store.get('e')).toMatchObject({ status: 'completed', started_at: null });
  });
});

describe('ExperimentStore.endTask and task results', () => {
  it('stores a result once: a second result for the same task does not overwrite it', async () => {
    await store.create('e', spec, 1000);
    expect(await store.endTask('e', taskResult(0, 0.5), run0)).toBe('stored');
    expect(await store.endTask('e', taskResult(0, 0.25), run0)).toBe('duplicate');
    expect(await store.taskResults('e')).toEqual([stored(taskResult(0, 0.5))]);
    expect(await store.doneTasks('e')).toBe(1);
  });

  it('clears the running entry of the task it ends, and only that one', async () => {
    await store.create('e', spec, 1000);
    await store.beginTask('e', 0, 'w1', run0, 2000);
    await store.beginTask('e', 1, 'w2', run0, 2000);
    await store.endTask('e', taskResult(0, 0.5), run0);
    expect(await store.runningTasks('e')).toEqual({ 1: { worker: 'w2', since: 2000 } });
  });

  it('clears a running entry without a result through taskEnded', async () => {
    await store.create('e', spec, 1000);
    await store.beginTask('e', 0, 'w1', run0, 2000);
    await store.beginTask('e', 1, 'w1', run0, 2000);
    await store.taskEnded('e', 0);
    expect(await store.runningTasks('e')).toEqual({ 1: { worker: 'w1', since: 2000 } });
    expect(await store.doneTasks('e')).toBe(0);
  });

  it('collects every task result and counts them', async () => {
    await store.create('e', spec, 1000);
    for (const t of [2, 0, 1]) await store.endTask('e', taskResult(t, t / 4), run0);
    const got = await store.taskResults('e');
    expect(got.map((r) => r.task).sort()).toEqual([0, 1, 2]);
    expect(got.find((r) => r.task === 2)).toEqual(stored(taskResult(2, 0.5)));
    expect(await store.doneTasks('e')).toBe(3);
  });

  it('keeps the reason a task could not run, by task', async () => {
    await store.create('e', spec, 1000);
    await store.saveTaskError('e', 0, 3, 'dataset not found');
    await store.saveTaskError('e', 0, 3, 'dataset still not found');
    await store.saveTaskError('e', 0, 5, 'out of memory');
    expect(await store.taskErrors('e')).toEqual({ 3: 'dataset still not found', 5: 'out of memory' });
  });
});

describe('ExperimentStore runs: a job of an earlier run, or on other data, writes nothing', () => {
  const summary = { best_index: 0 } as SearchSummary;

  it('binds a new experiment to the fingerprint it is created with', async () => {
    await store.create('e', spec, 1000, 'f0');
    expect(await redis.hget(k.experiment('e'), 'fingerprint')).toBe('f0');
    expect(await store.beginTask('e', 0, 'w1', { generation: 0, fingerprint: 'f0' }, 2000)).toBe('run');
    expect(await store.beginTask('e', 1, 'w1', { generation: 0, fingerprint: 'other' }, 2000)).toBe('stale-data');
  });

  it('refuses to start a task of an earlier generation or on other data, marking and counting nothing', async () => {
    await store.create('e', spec, 1000);
    await store.finish('e', 'cancelled', {}, 1500);
    await store.reopen('e', 'f1');
    expect(await store.beginTask('e', 0, 'w1', run0, 2000)).toBe('stale-data');
    expect(await store.beginTask('e', 0, 'w1', { ...run1, generation: 0 }, 2000)).toBe('stale-generation');
    expect(await store.runningTasks('e')).toEqual({});
    expect(await store.get('e')).toMatchObject({ status: 'queued', started_at: null });
    expect(await store.beginTask('e', 0, 'w1', run1, 2000)).toBe('run');
    expect(await store.executions('e')).toEqual({ started: { 0: 1 }, computed: {}, stored: {} });
  });

  it('refuses the result of a run that was retried meanwhile (same data), and stores the retry\'s', async () => {
    await store.create('e', spec, 1000);
    await store.beginTask('e', 0, 'w1', run0, 2000);
    await store.finish('e', 'cancelled', {}, 2500);
    await store.reopen('e', '');
    const retry = { generation: 1, fingerprint: '' };
    expect(await store.endTask('e', taskResult(0, 0.25), run0)).toBe('stale-generation');
    expect(await store.taskResults('e')).toEqual([]);
    // The refused job cleared its running entry (nothing else would) and counted its computation.
    expect(await store.runningTasks('e')).toEqual({});
    expect(await store.beginTask('e', 0, 'w2', retry, 3000)).toBe('run');
    expect(await store.endTask('e', taskResult(0, 0.5), retry)).toBe('stored');
    expect(await store.taskResults('e')).toEqual([stored(taskResult(0, 0.5), retry)]);
    expect(await store.executions('e')).toEqual({ started: { 0: 2 }, computed: { 0: 2 }, stored: { 0: 1 } });
  });

  it('counts one computation once when the client replays endTask after a lost reply', async () => {
    await store.create('e', spec, 1000);
    const run0 = { generation: 0, fingerprint: '' };
    await store.beginTask('e', 0, 'w1', run0, 2000);
    expect(await store.endTask('e', taskResult(0, 0.5), run0)).toBe('stored');
    // ioredis re-sends a command whose reply a dropped connection lost: the script runs twice.
    expect(await store.endTask('e', taskResult(0, 0.5), run0)).toBe('duplicate');
    expect(await store.executions('e')).toEqual({ started: { 0: 1 }, computed: { 0: 1 }, stored: { 0: 1 } });
  });

  it('refuses a result computed on other data than the experiment is bound to', async () => {
    await store.create('e', spec, 1000, 'f0');
    expect(await store.endTask('e', taskResult(0, 0.5), { generation: 0, fingerprint: 'f1' })).toBe('stale-data');
    expect(await store.taskResults('e')).toEqual([]);
  });

  it('refuses an earlier run\'s summary, task error, halving state and final status', async () => {
    await store.create('e', spec, 1000);
    await store.finish('e', 'cancelled', {}, 1500);
    await store.reopen('e', '');
    expect(await store.saveSummary('e', 0, summary, { accuracy: 0.5 })).toBe(false);
    expect(await store.saveTaskError('e', 0, 3, 'late reason')).toBe(false);
    expect(await store.saveHalving('e', 0, { schedule: {} as HalvingState['schedule'], rounds: [] })).toBe(false);
    expect(await store.finish('e', 'completed', { result, generation: 0 }, 3000)).toBe(false);
    expect(await store.get('e')).toMatchObject({ status: 'queued', summary: null, metrics: {}, result: null, finished_at: null });
    expect(await store.taskErrors('e')).toEqual({});
    expect(await store.halving('e')).toBeNull();
    // The current run's writes go through.
    expect(await store.saveSummary('e', 1, summary, { accuracy: 0.5 })).toBe(true);
    expect(await store.saveTaskError('e', 1, 3, 'reason')).toBe(true);
    expect(await store.finish('e', 'completed', { result, generation: 1 }, 3000)).toBe(true);
    expect(await store.get('e')).toMatchObject({ status: 'completed', summary, result });
  });

  it('lets a cancel (no generation given) end whichever run is current', async () => {
    await store.create('e', spec, 1000);
    await store.finish('e', 'failed', {}, 1500);
    await store.reopen('e', '');
    expect(await store.finish('e', 'cancelled', { error: 'cancelled by request' }, 2000)).toBe(true);
  });

  it('writes no summary and no task result for an experiment it does not have (no key recreated)', async () => {
    expect(await store.saveSummary('nope', 0, summary, {})).toBe(false);
    expect(await store.endTask('nope', taskResult(0, 0.5), run0)).toBe('missing');
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });
});

describe('ExperimentStore.reopen and the data fingerprint', () => {
  it('keeps the results when the data is the same, and says which', async () => {
    await store.create('e', spec, 1000, 'f0');
    const f0 = { generation: 0, fingerprint: 'f0' };
    for (const t of [2, 0]) await store.endTask('e', taskResult(t, 0.5), f0);
    await store.finish('e', 'cancelled', {}, 2000);
    expect(await store.reopen('e', 'f0')).toEqual({ generation: 1, dataChanged: false, dropped: 0, kept: [0, 2] });
    expect((await store.taskResults('e')).map((r) => r.task).sort()).toEqual([0, 2]);
  });

  it('drops every result and its execution counts when the data changed, and binds the new data', async () => {
    await store.create('e', spec, 1000, 'f0');
    const f0 = { generation: 0, fingerprint: 'f0' };
    await store.beginTask('e', 0, 'w1', f0, 1500);
    for (const t of [0, 1]) await store.endTask('e', taskResult(t, 0.5), f0);
    await store.finish('e', 'cancelled', {}, 2000);
    expect(await store.reopen('e', 'f1')).toEqual({ generation: 1, dataChanged: true, dropped: 2, kept: [] });
    expect(await store.taskResults('e')).toEqual([]);
    expect(await store.executions('e')).toEqual({ started: {}, computed: {}, stored: {} });
    expect(await redis.hget(k.experiment('e'), 'fingerprint')).toBe('f1');
    // A result of the first run arriving now is refused; the retry's is stored.
    expect(await store.endTask('e', taskResult(1, 0.25), f0)).toBe('stale-data');
    expect(await store.endTask('e', taskResult(1, 0.75), run1)).toBe('stored');
    expect(await store.taskResults('e')).toEqual([stored(taskResult(1, 0.75), run1)]);
  });
});

describe('ExperimentStore.executions', () => {
  it('counts starts that run, every computation that ends, and results written', async () => {
    await store.create('e', spec, 1000);
    await store.beginTask('e', 0, 'w1', run0, 2000);
    // A redelivery while the first is still computing (its lock was lost): started twice.
    await store.beginTask('e', 0, 'w2', run0, 2500);
    await store.endTask('e', taskResult(0, 0.5), run0);
    await store.endTask('e', taskResult(0, 0.5), run0);
    // A third delivery after the result is stored does not run.
    expect(await store.beginTask('e', 0, 'w1', run0, 3000)).toBe('done');
    await store.beginTask('e', 1, 'w1', run0, 3000);
    expect(await store.executions('e')).toEqual({ started: { 0: 2, 1: 1 }, computed: { 0: 2 }, stored: { 0: 1 } });
  });
});

describe('ExperimentStore halving state', () => {
  const state: HalvingState = {
    schedule: { max_resources: 60, min_resources: 20, n_iterations: 2, n_required_iterations: 2, n_possible_iterations: 2, resources: [20, 60] },
    rounds: [
      { iter: 0, n_resources: 20, candidates: [{ n_neighbors: 3 }, { n_neighbors: 4 }], task_offset: 0, tasks: 6 },
      { iter: 1, n_resources: 60, candidates: [{ n_neighbors: 3 }], task_offset: 6, tasks: 3 },
    ],
  };

  it('keeps the schedule and rounds, and counts the planned tasks over the rounds (6 + 3)', async () => {
    await store.create('e', spec, 1000);
    expect(await store.halving('e')).toBeNull();
    expect(await store.plannedTasks('e')).toBeNull();
    await store.saveHalving('e', 0, state);
    expect(await store.halving('e')).toEqual(state);
    expect(await store.plannedTasks('e')).toBe(9);
  });
});

describe('ExperimentStore.reopen', () => {
  it('increments the generation on each retry', async () => {
    await store.create('e', spec, 1000);
    expect((await store.reopen('e', '')).generation).toBe(1);
    expect((await store.reopen('e', '')).generation).toBe(2);
    expect(await store.generation('e')).toBe(2);
  });

  it('puts an ended experiment back to queued, clearing its outcome, halving state and task errors but keeping task results and running tasks', async () => {
    await store.create('e', spec, 1000);
    await store.beginTask('e', 0, 'w1', run0, 2000);
    await store.beginTask('e', 1, 'w1', run0, 2000);
    await store.endTask('e', taskResult(0, 0.5), run0);
    await store.saveTaskError('e', 0, 2, 'out of memory');
    await store.saveSummary('e', 0, { best_index: null } as SearchSummary, { accuracy: 0.5 });
    await store.saveHalving('e', 0, { schedule: {} as HalvingState['schedule'], rounds: [{ iter: 0, n_resources: 20, candidates: [], task_offset: 0, tasks: 6 }] });
    await store.finish('e', 'failed', { error: 'boom', result }, 5000);

    expect(await store.reopen('e', '')).toEqual({ generation: 1, dataChanged: false, dropped: 0, kept: [0] });

    // started_at and the running entries stay: a cancel lets running jobs finish, so a job of
    // the earlier run may still be fitting, and its endTask clears its own entry.
    const got = await store.get('e');
    expect(got).toEqual({
      id: 'e',
      name: 'store',
      status: 'queued',
      generation: 1,
      spec,
      created_at: 1000,
      started_at: 2000,
      finished_at: null,
      error: undefined,
      summary: null,
      metrics: {},
      result: null,
    });
    expect(await store.halving('e')).toBeNull();
    expect(await store.plannedTasks('e')).toBeNull();
    expect(await store.taskErrors('e')).toEqual({});
    expect(await store.taskResults('e')).toEqual([stored(taskResult(0, 0.5))]);
    expect(await store.runningTasks('e')).toEqual({ 1: { worker: 'w1', since: 2000 } });
  });

  it('lets a reopened experiment finish again', async () => {
    await store.create('e', spec, 1000);
    await store.finish('e', 'cancelled', {}, 5000);
    await store.reopen('e', '');
    expect(await store.finish('e', 'completed', { result }, 7000)).toBe(true);
    expect(await store.get('e')).toMatchObject({ status: 'completed', finished_at: 7000, result });
  });
});

describe('ExperimentStore out-of-fold outputs', () => {
  const oof = { indices: [4, 1, 7], predict: [1, 0, 1], decision_function: [[3370.019499143957], [-0], [0.1]] };

  it('keeps them as binary in their own hash, once, and gives them back bit for bit beside their result', async () => {
    await store.create('e', spec, 1000);
    expect(await store.saveOof('e', 0, oof)).toBe(true);
    expect(await store.saveOof('e', 0, { ...oof, predict: [0, 0, 0] })).toBe(false);
    await store.endTask('e', taskResult(0, 0.5), { generation: 0, fingerprint: '' });
    // The results hash, which progress reads on every poll, holds no out-of-fold numbers.
    expect(JSON.parse((await redis.hget(k.results('e'), '0'))!)).not.toHaveProperty('oof');
    // Each stored result carries the run it was computed in.
    const stored = { ...taskResult(0, 0.5), generation: 0, fingerprint: '' };
    expect(await store.taskResults('e')).toEqual([stored]);
    const [withOof] = await store.taskResultsWithOof('e');
    expect(withOof).toEqual({ ...stored, oof });
    expect(Object.is(withOof.oof!.decision_function![1][0], -0)).toBe(true);
  });

  it('writes nothing for an experiment that is gone (purged while its task ran)', async () => {
    expect(await store.saveOof('gone', 0, oof)).toBe(false);
    expect(await redis.exists(k.oof('gone'))).toBe(0);
  });
});

describe('ExperimentStore stores cv_results and metrics once', () => {
  const withNaN: SearchSummary = { ...summary, cv_results: { params: [{ n_neighbors: 3 }], mean_test_score: [0.5, Number.NaN] } as unknown as SearchSummary['cv_results'] };
  const metrics = { roc_auc: 0.96, roc_curve: { fpr: [0, 1], tpr: [0, 1] } };
  // What the refit job stores: the summary's cv_results (NaN read back as null) and the stored metrics.
  const completed: ExperimentResult = { ...result, cv_results: JSON.parse(JSON.stringify(withNaN.cv_results)), metrics };

  it('keeps them in the summary and metrics only, and gives the whole result back', async () => {
    await store.create('e', spec, 1000);
    await store.saveSummary('e', 0, withNaN, metrics);
    await store.finish('e', 'completed', { result: completed }, 5000);
    const stored = JSON.parse((await redis.hget(k.experiment('e'), 'result'))!);
    expect(stored.cv_results).toBe('@stored-once');
    expect(stored.metrics).toBe('@stored-once');
    const got = await store.get('e');
    expect(got!.result).toEqual(completed);
    expect(Object.keys(got!.result!)).toEqual(Object.keys(completed));
  });

  it('stores a result whose parts differ from the summary as they are', async () => {
    await store.create('e', spec, 1000);
    await store.saveSummary('e', 0, withNaN, metrics);
    const other = { ...completed, cv_results: { params: [] } as unknown as ExperimentResult['cv_results'], metrics: { roc_auc: 0.5 } };
    await store.finish('e', 'completed', { result: other }, 5000);
    expect((await store.get('e'))!.result).toEqual(other);
  });
});

describe('ExperimentStore.purge and memoryUsage', () => {
  it('deletes every key of the experiment and its place in the index, and leaves the others alone', async () => {
    for (const id of ['e', 'other']) {
      await store.create(id, spec, 1000);
      await store.beginTask(id, 0, 'w1', { generation: 0, fingerprint: '' }, 2000);
      await store.saveOof(id, 1, { indices: [0], predict: [1] });
      await store.endTask(id, taskResult(1, 0.5), { generation: 0, fingerprint: '' });
      await store.saveTaskError(id, 0, 2, 'boom');
    }
    const other = await store.memoryUsage('other');
    expect(await store.memoryUsage('e')).toBeGreaterThan(0);
    // experiment, results, task errors, running tasks, out-of-fold outputs, execution counts
    expect(await store.purge('e')).toBe(6);
    expect(await redis.keys(`${prefix}:exp:e*`)).toEqual([]);
    expect(await store.list()).toEqual(['other']);
    expect(await store.get('e')).toBeNull();
    expect(await store.memoryUsage('e')).toBe(0);
    expect(await store.memoryUsage('other')).toBe(other);
  });

  it('counts out-of-fold bytes as stored: at least 8 bytes per float64 score', async () => {
    await store.create('e', spec, 1000);
    const before = await store.memoryUsage('e');
    // 1,000 scores that float32 would round (i + 0.1) are stored as float64: 8,000 bytes at least.
    await store.saveOof('e', 0, { indices: Array.from({ length: 1000 }, (_, i) => i), decision_function: Array.from({ length: 1000 }, (_, i) => [i + 0.1]) });
    expect((await store.memoryUsage('e')) - before).toBeGreaterThanOrEqual(8000 + 2000);
  });
});

describe('ExperimentStore.failRun', () => {
  it('fails the run it names, with finished_at and the reason', async () => {
    await store.create('e', spec, 1000);
    expect(await store.failRun('e', 0, 'aggregate job failed: boom', 5000)).toBe(true);
    expect(await store.get('e')).toMatchObject({ status: 'failed', finished_at: 5000, error: 'aggregate job failed: boom' });
  });

  it('leaves a later run (after a retry) and an ended experiment alone', async () => {
    await store.create('e', spec, 1000);
    await store.finish('e', 'cancelled', { error: 'cancelled by request' });
    expect(await store.failRun('e', 0, 'late')).toBe(false);
    expect((await store.reopen('e', '')).generation).toBe(1);
    expect(await store.failRun('e', 0, 'a job of run 0')).toBe(false);
    expect(await store.status('e')).toBe('queued');
    expect(await store.failRun('e', 1, 'a job of run 1')).toBe(true);
    expect(await store.get('e')).toMatchObject({ status: 'failed', error: 'a job of run 1' });
  });

  it('does not create a record for an experiment it does not have', async () => {
    expect(await store.failRun('nope', 0, 'x')).toBe(false);
    expect(await redis.exists(k.experiment('nope'))).toBe(0);
  });
});
