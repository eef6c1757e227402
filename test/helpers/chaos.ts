import { runExperiment, type ExperimentResult } from '@gridfold/core';
import { ExperimentStore, keys } from '@gridfold/queue';
import request from 'supertest';
import { expect } from 'vitest';
import { waitFor, type TestCluster, type WorkerProcess } from './cluster.js';
import { comparable } from './compare.js';
import { describeTally, tallyExecutions, type ExecutionTally } from './executions.js';

/** The chaos sweep: 200 one-cell KNN tasks (40 cells x 5 folds) on 10,000 MNIST images. */
export const chaosSpec = {
  name: 'chaos',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { weights: ['uniform', 'distance'], n_neighbors: Array.from({ length: 20 }, (_, i) => i + 1) },
  cv: { n_splits: 5, subset: 10000 },
  refit: { subset: 3000 },
  group_cells: false,
};

/** A fault injected beside the worker kills, e.g. a Redis master's SIGKILL. */
export interface ChaosFault {
  /** Injected (once, in the background) when this many task results are stored. */
  afterResults: number;
  /** Injects the fault into experiment `id`'s sweep; resolves with a line saying what it did. */
  inject: (id: string) => Promise<string>;
  /** Task starts (and computations) beyond one per task the fault may cost on top of one per worker kill. */
  extraExecutions: number;
}

/** How the workers are killed during a {@link runChaos} sweep. */
export interface ChaosOptions {
  /** Worker SIGKILLs to make, each followed by a restart of the killed worker. */
  kills: number;
  /** The sweep. @defaultValue {@link chaosSpec} */
  spec?: typeof chaosSpec;
  /**
   * When to kill. `'timed'`: 300-900 ms after the last kill; every other kill (the first, third, ...)
   * as soon as a worker has started a task since its last restart that no kill was aimed at before, a
   * random such worker (in its task or just past it: not frozen to check); the others a random worker
   * whatever it is doing (one still loading after its restart too). Half the kills then land in a
   * task, and the test takes about 50 s instead of 75 s with all of them aimed. `'progress'`: kill
   * k of n once k / (n + 1) of the tasks have results, a random worker among those running one of the sweep's tasks (the store's running
   * entries), frozen and seen still inside that task before it is killed: every kill then lands
   * inside a task, and the sweep cannot end before the kills however fast the machine is. @defaultValue 'timed'
   */
  pace?: 'timed' | 'progress';
  /** Kills stop after this long, in milliseconds. @defaultValue 150000 */
  killForMs?: number;
  /** How long the sweep may take after the kills, in milliseconds. @defaultValue 120000 */
  finishMs?: number;
  fault?: ChaosFault;
}

/** What a {@link runChaos} sweep went through. */
export interface ChaosOutcome {
  id: string;
  kills: number;
  tally: ExecutionTally;
  /** What the fault did, if one was injected. */
  fault?: string;
}

const TERMINAL = ['completed', 'failed', 'cancelled'];

/** Undisturbed in-process runs by spec: tests of one file that sweep the same spec compute its reference once. */
const references = new Map<string, Promise<ExperimentResult>>();

/** The undisturbed reference of `spec`: run grouped (one task per fold), which gives identical cv_results (run-local tests). */
function undisturbedRun(spec: typeof chaosSpec): Promise<ExperimentResult> {
  const key = JSON.stringify(spec);
  if (!references.has(key)) references.set(key, runExperiment({ ...spec, group_cells: true }));
  return references.get(key)!;
}

/**
 * Freezes `worker` (SIGSTOP to its process group) and looks for a running entry of its own in
 * experiment `id`, of a task begun at or after `since` (an older entry is the task a killed worker
 * was in), whose result is not stored. Returns that task's index with the worker left frozen, to be
 * killed inside it; otherwise lets the worker go on (SIGCONT, also when the look fails) and returns
 * undefined, to be looked for again.
 */
export async function frozenInTask(cluster: TestCluster, store: ExperimentStore, worker: WorkerProcess, id: string, since = 0): Promise<number | undefined> {
  worker.signal('SIGSTOP');
  let task: number | undefined;
  try {
    // Writes it sent just before the freeze reach Redis before the look.
    await new Promise((r) => setTimeout(r, 100));
    const results = keys(cluster.prefix).results(id);
    for (const [t, r] of Object.entries(await store.runningTasks(id))) {
      if (r.worker === worker.id && r.since >= since && !(await cluster.redis.hexists(results, t))) {
        task = Number(t);
        break;
      }
    }
  } finally {
    // Never left frozen: only a worker about to be killed stays stopped.
    if (task === undefined) worker.signal('SIGCONT');
  }
  return task;
}

/**
 * Chaos: submits a sweep to `cluster` (an in-process API and worker processes with short locks),
 * SIGKILLs its workers (with their sandboxed children) `kills` times while it runs, restarting each,
 * and checks what at-least-once delivery must still give: the sweep completes with the results of
 * an undisturbed in-process run, every task's result is stored exactly once, and each kill costs
 * at most one more start and one more computation (a worker runs one task at a time).
 */
export async function runChaos(cluster: TestCluster, options: ChaosOptions): Promise<ChaosOutcome> {
  const { kills: wanted, spec = chaosSpec, pace = 'timed', killForMs = 150_000, finishMs = 120_000, fault } = options;
  const undisturbed = await undisturbedRun(spec);
  const { body } = await request(cluster.api.app).post('/api/experiments').send(spec).expect(201);
  const resultsKey = keys(cluster.prefix).results(body.id);
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  // Progress is watched in the background: the recovery time of a kill is the time until
  // the next task result is stored after it.
  const progressAt: number[] = [];
  let stored = 0;
  let watching = true;
  let faultDone: Promise<string> | undefined;
  const watcher = (async () => {
    while (watching) {
      const n = await cluster.redis.hlen(resultsKey);
      if (n > stored) progressAt.push(Date.now());
      stored = n;
      if (fault && !faultDone && n >= fault.afterResults) {
        faultDone = fault.inject(body.id);
        // Awaited once the sweep has ended; until then a failure must not count as unhandled.
        faultDone.catch(() => {});
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const store = new ExperimentStore(cluster.redis, cluster.prefix);
  const restartedAt = new Map<WorkerProcess, number>();
  /** Tasks a timed kill was aimed at. */
  const hitTasks = new Set<string>();
  const killTimes: number[] = [];
  const started = Date.now();
  const ended = async () => TERMINAL.includes((await request(cluster.api.app).get(`/api/experiments/${body.id}`)).body.status);
  while (killTimes.length < wanted && Date.now() - started < killForMs) {
    let victim: WorkerProcess | null;
    // A running entry of w's own, of a task started since its last restart (an older entry is the task it was killed in).
    const runsNow = (r: { worker: string; since: number }, w: WorkerProcess) => r.worker === w.id && r.since >= (restartedAt.get(w) ?? 0);
    if (pace === 'timed') {
      await new Promise((r) => setTimeout(r, 300 + random() * 600));
      if (await ended()) break;
      if (killTimes.length % 2 === 1) {
        // Every other kill takes any worker at that moment, one still loading after its restart too.
        victim = cluster.workers[Math.floor(random() * cluster.workers.length)];
      } else {
        // The others wait for a worker that has started a task since its restart: a restarted worker loads for
        // ~1.5 s (longer on a busy machine), more than the pause, so a victim drawn from all of them was mostly
        // one still loading, holding no job (CI printed "started twice 0" for 20 kills). A task already hit once
        // is spared: the redelivered task is the restarted worker's first, which it spends loading the data, so
        // aiming at fresh starts hit the same task again and again until BullMQ failed it as a poison pill
        // (stalled more than maxStalledCount, 5: seen, cells 0 and 1 lost). Failures here are independent.
        victim = await waitFor<WorkerProcess | null>(async () => {
          if (stored >= body.tasks) return null;
          const running = Object.entries(await store.runningTasks(body.id)).filter(([task]) => !hitTasks.has(task));
          const busy = cluster.workers.filter((w) => running.some(([, r]) => runsNow(r, w)));
          if (!busy.length) return undefined;
          const chosen = busy[Math.floor(random() * busy.length)];
          for (const [task, r] of running) if (runsNow(r, chosen)) hitTasks.add(task);
          return chosen;
        }, Math.max(0, killForMs - (Date.now() - started)), `a worker running a task for kill ${killTimes.length + 1}`, 50).catch(() => null);
        if (!victim) break;
      }
    } else {
      const due = Math.ceil(((killTimes.length + 1) * body.tasks) / (wanted + 1));
      victim = await waitFor<WorkerProcess | null>(async () => {
        // Every result stored: nothing left to kill a worker in.
        if (stored >= body.tasks) return null;
        if (stored < due) return undefined;
        const running = Object.values(await store.runningTasks(body.id));
        const busy = cluster.workers.filter((w) => running.some((r) => runsNow(r, w)));
        if (!busy.length) return undefined;
        // Frozen first, then looked at again (frozenInTask): a task of a few tens of milliseconds often ended between a
        // look and the kill (CI once saw none of 3 paced kills redeliver a task).
        const candidate = busy[Math.floor(random() * busy.length)];
        return (await frozenInTask(cluster, store, candidate, body.id, restartedAt.get(candidate))) === undefined ? undefined : candidate;
      }, Math.max(0, killForMs - (Date.now() - started)), `${due} results and a worker running a task for kill ${killTimes.length + 1}`, 50).catch(() => null);
      if (!victim) break;
      if (await ended()) {
        victim.signal('SIGCONT');
        break;
      }
    }
    killTimes.push(Date.now());
    await victim.kill('SIGKILL');
    restartedAt.set(victim, Date.now());
    victim.start();
  }
  const kills = killTimes.length;
  let view;
  try {
    view = await waitFor(async () => {
      const r = await request(cluster.api.app).get(`/api/experiments/${body.id}`);
      return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
    }, finishMs, 'the sweep to finish after the kills');
  } finally {
    // Stopped before any assertion can fail: a watcher still polling when the cluster closes is an unhandled rejection.
    watching = false;
    await watcher;
  }
  expect(kills).toBeGreaterThanOrEqual(wanted);
  expect(view.status, view.error).toBe('completed');
  expect(comparable(view.result)).toEqual(comparable(undisturbed));
  const faultLine = await faultDone;
  // Executions as the processors counted them: each kill takes down one worker running at
  // most one task (concurrency 1), so it can cost at most one start, and a task whose result
  // is stored is never computed again; every result is written exactly once.
  const tally = tallyExecutions(await store.executions(body.id), body.tasks);
  const recoveries = killTimes.map((t) => (progressAt.find((p) => p > t) ?? Date.now()) - t).sort((a, b) => a - b);
  console.info(`${spec.name}: ${kills} kills survived${faultLine ? ` and ${faultLine}` : ''}; ${describeTally(tally)}; recovery ms p50 ${recoveries[Math.floor(recoveries.length / 2)]} max ${recoveries[recoveries.length - 1]}; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (fault) expect(faultLine, 'the fault was injected before the sweep ended').toBeDefined();
  expect(tally).toMatchObject({ storedTwice: 0, neverStored: 0 });
  expect(tally.extraStarts).toBeLessThanOrEqual(kills + (fault?.extraExecutions ?? 0));
  expect(tally.extraComputations).toBeLessThanOrEqual(kills + (fault?.extraExecutions ?? 0));
  return { id: body.id, kills, tally, fault: faultLine };
}
