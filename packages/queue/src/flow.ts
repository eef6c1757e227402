import type { Plan } from '@gridfold/core';
import type { FlowJob } from 'bullmq';
import { jobIds, QUEUE } from './names.js';

/** What every job of an experiment's flow carries: references, never data. */
export interface ExperimentJobData {
  experimentId: string;
  /** Key prefix of the store, so sandboxed processors find the experiment. */
  prefix: string;
}

export interface TaskJobData extends ExperimentJobData {
  task: Plan['tasks'][number];
}

const JOB_KINDS = ['fit', 'aggregate', 'halving', 'refit'] as const;

/** What a job of the flow does: the first word of its name. */
export type JobKind = (typeof JOB_KINDS)[number];

/**
 * The kind of a job, from its name. Fit task names go on after the kind with their fold and
 * cells (`fit · fold 2 · cells 0,1`), so Bull Board lists them readably.
 * @throws Error when the name does not start with a kind.
 */
export function jobKind(name: string): JobKind {
  const kind = JOB_KINDS.find((k) => name === k || name.startsWith(`${k} `));
  if (!kind) throw new Error(`job name must start with ${JOB_KINDS.join(', ')}, got ${JSON.stringify(name)}`);
  return kind;
}

/**
 * BullMQ priorities: lower runs first, equal ones first in, first out. Aggregates, halving
 * steps and refits are short and an experiment's end waits on them, so they go before any
 * waiting fit task instead of queueing behind other experiments' backlog.
 */
export const PRIORITY = { step: 1, fit: 2 } as const;

/** Options for {@link buildFlow}. */
export interface FlowOptions {
  /**
   * Attempts per fit task before it counts as failed (a stalled job, e.g. a killed worker,
   * is moved back to wait separately, up to the worker's maxStalledCount).
   * @defaultValue 3
   */
  attempts?: number;
  /** Only these task indices (a retry of failed or missing tasks); all by default. */
  only?: number[];
  /** Run generation: 0 first, then one more per retry (fresh job ids). @defaultValue 0 */
  generation?: number;
}

/**
 * One experiment = one BullMQ flow: the root job (refit + test) waits for its child
 * (aggregate), which waits for the fit tasks. Tasks ignore-on-failure so a task that
 * failed every attempt still lets the aggregate run; it knows how many tasks it expected
 * and records the missing ones as failed cells.
 */
export function buildFlow(id: string, prefix: string, plan: Plan, options: FlowOptions = {}): FlowJob {
  const data: ExperimentJobData = { experimentId: id, prefix };
  const only = options.only ? new Set(options.only) : null;
  const tasks = plan.tasks.filter((t) => !only || only.has(t.index));
  const gen = options.generation ?? 0;
  return {
    name: 'refit',
    queueName: QUEUE,
    data,
    opts: { jobId: jobIds.root(id, gen), attempts: 2, priority: PRIORITY.step },
    children: [
      {
        name: 'aggregate',
        queueName: QUEUE,
        data,
        opts: { jobId: jobIds.aggregate(id, gen), attempts: 2, priority: PRIORITY.step },
        children: tasks.map((task) => fitJob(id, prefix, task, gen, options.attempts ?? 3)),
      },
    ],
  };
}

/**
 * One fit task as a flow child. It ignores-on-failure: its parent runs whatever the task's fate,
 * and records the task's missing cells as failed.
 */
function fitJob(id: string, prefix: string, task: Plan['tasks'][number], generation: number, attempts: number): FlowJob {
  const round = task.round === undefined ? '' : `round ${task.round} · `;
  return {
    name: `fit · ${round}fold ${task.fold} · cells ${task.cells.join(',')}`,
    queueName: QUEUE,
    data: { experimentId: id, prefix, task } satisfies TaskJobData,
    opts: {
      jobId: jobIds.task(id, task.index, generation),
      attempts,
      backoff: { type: 'exponential', delay: 1000 },
      ignoreDependencyOnFailure: true,
      priority: PRIORITY.fit,
    },
  };
}

/** A halving round's aggregate job data: which round it closes (-1: plan the first round). */
export interface HalvingJobData extends ExperimentJobData {
  round: number;
  generation: number;
}

/**
 * Successive halving runs as a chain of flows: a start job (it plans round 0, which needs the
 * data), then per round an aggregate job over that round's tasks that enqueues the next round,
 * or after the last one the refit job.
 */
export function buildHalvingStart(id: string, prefix: string, generation = 0): FlowJob {
  return {
    name: 'halving · start',
    queueName: QUEUE,
    data: { experimentId: id, prefix, round: -1, generation } satisfies HalvingJobData,
    opts: { jobId: `${id}.g${generation}.h-start`, attempts: 2, priority: PRIORITY.step },
  };
}

/** One halving round: its aggregate job (a "halving" job) waiting on the round's fit tasks. */
export function buildHalvingRound(id: string, prefix: string, round: number, tasks: Plan['tasks'], generation = 0, attempts = 3): FlowJob {
  return {
    name: `halving · round ${round}`,
    queueName: QUEUE,
    data: { experimentId: id, prefix, round, generation } satisfies HalvingJobData,
    opts: { jobId: `${id}.g${generation}.h${round}`, attempts: 2, priority: PRIORITY.step },
    children: tasks.map((task) => fitJob(id, prefix, task, generation, attempts)),
  };
}

/** The refit + test job on its own (the end of a halving chain). */
export function buildRefitJob(id: string, prefix: string, generation = 0): FlowJob {
  return {
    name: 'refit',
    queueName: QUEUE,
    data: { experimentId: id, prefix } satisfies ExperimentJobData,
    opts: { jobId: jobIds.root(id, generation), attempts: 2, priority: PRIORITY.step },
  };
}
