import type { Plan, Task, TaskPart } from '@gridfold/core';
import type { FlowJob } from 'bullmq';
import { jobIds, QUEUE } from './names.js';
import type { RunRef } from './store.js';

/**
 * What every job of an experiment's flow carries: references, never data. Its run (generation,
 * fresh job ids per retry, and the fingerprint of the data the run is bound to) lets the store
 * refuse its writes once the experiment has been retried, and a worker refuse other data.
 */
interface JobBase extends RunRef {
  experimentId: string;
  /** Key prefix of the store, so sandboxed processors find the experiment. */
  prefix: string;
  /**
   * sha256 of the experiment's plugin bundles (absent without plugins): a worker runs the job
   * in a process that has loaded no other experiment's code.
   */
  plugins?: string[];
}

/** A run, the plugins its jobs load, and its share of the workers (the spec's `priority`, 1 by default). */
export type JobRun = RunRef & { plugins?: string[]; weight?: number };

/** BullMQ's largest priority. */
const MAX_PRIORITY = 2 ** 21;

/**
 * Fair sharing between experiments on BullMQ's open priorities (its groups are a paid feature):
 * an experiment's k-th fit task (or trial) gets priority 2 + floor(k / weight), so the waiting
 * tasks of every experiment are taken in turn, level by level (ties in submission order), and a
 * 10-task sweep submitted beside a 100,000-task one runs within its own work time plus about a
 * task per worker. `weight` 2 takes two tasks per turn. Steps (priority 1) go first as before.
 */
export function fitPriority(index: number, weight = 1): number {
  return Math.min(MAX_PRIORITY, PRIORITY.fit + Math.floor(index / weight));
}

function baseOf(id: string, prefix: string, run: JobRun) {
  return { experimentId: id, prefix, generation: run.generation, fingerprint: run.fingerprint, ...(run.plugins?.length && { plugins: run.plugins }) };
}

/** Fits and scores one task (a fold x a group of cells). */
export interface FitJobData extends JobBase {
  kind: 'fit';
  task: Task;
  /**
   * This job computes part `index` of `count` of the task: the fold's full training rows, a
   * slice of its test rows (see `fitAndScorePart` in @gridfold/core). Absent: the whole task.
   */
  part?: TaskPart;
}

/** Folds the task results into cv_results and the best cell. */
export interface AggregateJobData extends JobBase {
  kind: 'aggregate';
}

/** One step of a successive-halving chain: closes round `round` (-1: plans the first round). */
export interface HalvingJobData extends JobBase {
  kind: 'halving';
  round: number;
}

/** Refits the best params, scores the test split and stores the final result. */
export interface RefitJobData extends JobBase {
  kind: 'refit';
}

/** Proposes, runs and records trial `number` of a study (search.kind "tpe"), then starts its successor. */
export interface TrialJobData extends JobBase {
  kind: 'trial';
  number: number;
}

/**
 * Holds an aggregate back while the rest of a huge flow's tasks are added (enqueue.ts): a
 * delayed child that is promoted once they all are, and does nothing when it runs.
 */
export interface GateJobData extends JobBase {
  kind: 'gate';
}

/** The data of any job of a flow; `kind` says which processor runs it (job names are labels for people). */
export type JobData = FitJobData | AggregateJobData | HalvingJobData | RefitJobData | TrialJobData | GateJobData;

/** What a job does. */
export type JobKind = JobData['kind'];

/**
 * BullMQ priorities: lower runs first, equal ones first in, first out. Aggregates, halving
 * steps and refits are short and an experiment's end waits on them, so they go before any
 * waiting fit task instead of queueing behind other experiments' backlog.
 */
export const PRIORITY = { step: 1, fit: 2 } as const;

/** Options for {@link buildExperimentFlow}. */
export interface FlowOptions {
  /**
   * Attempts per fit task before it counts as failed (a stalled job, e.g. a killed worker,
   * is moved back to wait separately, up to the worker's maxStalledCount).
   * @defaultValue 3
   */
  attempts?: number;
  /** Only these task indices (a retry of failed or missing tasks); all by default. */
  only?: number[];
  /**
   * Jobs per fit task: more than 1 splits each task by its queries into that many part jobs
   * (the experiment's stored `task_parts`, decided at submit; see `partsFor` in @gridfold/core).
   * @defaultValue 1
   */
  parts?: number;
}

/**
 * The jobs of an experiment: a successive-halving search starts a chain of rounds (its rounds
 * need the data to be planned), any other search is one flow of all its tasks.
 */
export function buildExperimentFlow(id: string, prefix: string, plan: Plan, run: JobRun, options: FlowOptions = {}): FlowJob {
  if (plan.search.kind === 'tpe') throw new Error('a study starts with buildStudyStart (several jobs, no flow)');
  return plan.search.kind === 'halving' ? buildHalvingStart(id, prefix, run) : buildFlow(id, prefix, plan, run, options);
}

/**
 * One experiment = one BullMQ flow: the root job (refit + test) waits for its child
 * (aggregate), which waits for the fit tasks. Tasks ignore-on-failure so a task that
 * failed every attempt still lets the aggregate run; it knows how many tasks it expected
 * and records the missing ones as failed cells.
 */
export function buildFlow(id: string, prefix: string, plan: Plan, run: JobRun, options: FlowOptions = {}): FlowJob {
  const only = options.only ? new Set(options.only) : null;
  const tasks = plan.tasks.filter((t) => !only || only.has(t.index));
  const base = baseOf(id, prefix, run);
  const { generation } = run;
  return {
    name: 'refit',
    queueName: QUEUE,
    data: { ...base, kind: 'refit' } satisfies RefitJobData,
    opts: { jobId: jobIds.root(id, generation), attempts: 2, priority: PRIORITY.step },
    children: [
      {
        name: 'aggregate',
        queueName: QUEUE,
        data: { ...base, kind: 'aggregate' } satisfies AggregateJobData,
        opts: { jobId: jobIds.aggregate(id, generation), attempts: 2, priority: PRIORITY.step },
        children: tasks.flatMap((task) => fitJobs(base, task, options.attempts ?? 3, run.weight, options.parts ?? 1)),
      },
    ],
  };
}

/**
 * One fit task as a flow child. It ignores-on-failure: its parent runs whatever the task's fate,
 * and records the task's missing cells as failed.
 */
function fitJob(base: JobBase, task: Task, attempts: number, weight?: number): FlowJob {
  const round = task.round === undefined ? '' : `round ${task.round} · `;
  return {
    name: `fit · ${round}fold ${task.fold} · cells ${task.cells.join(',')}`,
    queueName: QUEUE,
    data: { ...base, kind: 'fit', task } satisfies FitJobData,
    opts: {
      jobId: jobIds.task(base.experimentId, task.index, base.generation),
      attempts,
      backoff: { type: 'exponential', delay: 1000 },
      ignoreDependencyOnFailure: true,
      priority: fitPriority(task.index, weight),
    },
  };
}

/** A task's fit job, or with `parts` > 1 its part jobs (same priority: a task's parts run side by side). */
function fitJobs(base: JobBase, task: Task, attempts: number, weight: number | undefined, parts: number): FlowJob[] {
  if (parts <= 1) return [fitJob(base, task, attempts, weight)];
  const whole = fitJob(base, task, attempts, weight);
  return Array.from({ length: parts }, (_, index) => ({
    ...whole,
    name: `${whole.name} · part ${index + 1}/${parts}`,
    data: { ...(whole.data as FitJobData), part: { index, count: parts } } satisfies FitJobData,
    opts: { ...whole.opts, jobId: jobIds.taskPart(base.experimentId, task.index, index, base.generation) },
  }));
}

/**
 * Successive halving runs as a chain of flows: a start job (it plans round 0, which needs the
 * data), then per round a halving job over that round's tasks that enqueues the next round,
 * or after the last one the refit job.
 */
export function buildHalvingStart(id: string, prefix: string, run: JobRun): FlowJob {
  const { generation } = run;
  return {
    name: 'halving · start',
    queueName: QUEUE,
    data: { ...baseOf(id, prefix, run), kind: 'halving', round: -1 } satisfies HalvingJobData,
    opts: { jobId: jobIds.halvingStart(id, generation), attempts: 2, priority: PRIORITY.step },
  };
}

/** One halving round: its halving job waiting on the round's fit tasks. */
export function buildHalvingRound(id: string, prefix: string, round: number, tasks: Task[], run: JobRun, attempts = 3): FlowJob {
  const base = baseOf(id, prefix, run);
  const { generation } = run;
  return {
    name: `halving · round ${round}`,
    queueName: QUEUE,
    data: { ...base, kind: 'halving', round } satisfies HalvingJobData,
    opts: { jobId: jobIds.halvingRound(id, round, generation), attempts: 2, priority: PRIORITY.step },
    children: tasks.map((task) => fitJob(base, task, attempts, run.weight)),
  };
}

/** The refit + test job on its own (the end of a halving chain). */
export function buildRefitJob(id: string, prefix: string, run: JobRun): FlowJob {
  const { generation } = run;
  return {
    name: 'refit',
    queueName: QUEUE,
    data: { ...baseOf(id, prefix, run), kind: 'refit' } satisfies RefitJobData,
    opts: { jobId: jobIds.root(id, generation), attempts: 2, priority: PRIORITY.step },
  };
}

/**
 * How many trials of a study run at once, at most: its jobs form this many chains (trial n, when
 * it ends, starts trial n + chains), each proposed when a worker takes it. More chains than
 * worker slots keep every worker busy; the constant liar keeps concurrent proposals apart.
 */
export function studyChains(plan: Plan): number {
  if (plan.search.kind !== 'tpe') throw new Error('not a study');
  return Math.min(plan.search.n_trials, plan.search.parallel);
}

/** Trial `number` of a study as a job of its own (no parent: the last trial to end starts the aggregate and refit). */
export function buildTrialJob(id: string, prefix: string, number: number, run: JobRun): { name: string; queueName: string; data: TrialJobData; opts: { jobId: string; attempts: number; backoff: { type: 'exponential'; delay: number }; priority: number } } {
  return {
    name: `trial ${number}`,
    queueName: QUEUE,
    data: { ...baseOf(id, prefix, run), kind: 'trial', number },
    opts: { jobId: jobIds.trial(id, number, run.generation), attempts: 3, backoff: { type: 'exponential', delay: 1000 }, priority: fitPriority(number, run.weight) },
  };
}

/** A study's first trial jobs, one per chain. */
export function buildStudyStart(id: string, prefix: string, plan: Plan, run: JobRun): ReturnType<typeof buildTrialJob>[] {
  return Array.from({ length: studyChains(plan) }, (_, n) => buildTrialJob(id, prefix, n, run));
}

/** A study's end: the aggregate (cv_results from its trials), then the refit of the best. */
export function buildStudyFinish(id: string, prefix: string, run: JobRun): FlowJob {
  const base = baseOf(id, prefix, run);
  return {
    name: 'refit',
    queueName: QUEUE,
    data: { ...base, kind: 'refit' } satisfies RefitJobData,
    opts: { jobId: jobIds.root(id, run.generation), attempts: 2, priority: PRIORITY.step },
    children: [{ name: 'aggregate', queueName: QUEUE, data: { ...base, kind: 'aggregate' } satisfies AggregateJobData, opts: { jobId: jobIds.aggregate(id, run.generation), attempts: 2, priority: PRIORITY.step } }],
  };
}
