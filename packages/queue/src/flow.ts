import type { Plan } from '@gridfold/core';
import type { FlowJob } from 'bullmq';
import { jobIds, QUEUES } from './names.js';

/** What every job of an experiment's flow carries: references, never data. */
export interface ExperimentJobData {
  experimentId: string;
  /** Key prefix of the store, so sandboxed processors find the experiment. */
  prefix: string;
}

export interface TaskJobData extends ExperimentJobData {
  task: Plan['tasks'][number];
}

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
    queueName: QUEUES.refit,
    data,
    opts: { jobId: jobIds.root(id, gen), attempts: 2 },
    children: [
      {
        name: 'aggregate',
        queueName: QUEUES.aggregate,
        data,
        opts: { jobId: jobIds.aggregate(id, gen), attempts: 2 },
        children: tasks.map((task) => ({
          name: `fold ${task.fold} · cells ${task.cells.join(',')}`,
          queueName: QUEUES.tasks,
          data: { ...data, task } satisfies TaskJobData,
          opts: {
            jobId: jobIds.task(id, task.index, gen),
            attempts: options.attempts ?? 3,
            backoff: { type: 'exponential', delay: 1000 },
            ignoreDependencyOnFailure: true,
          },
        })),
      },
    ],
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
  return { name: 'halving', queueName: QUEUES.aggregate, data: { experimentId: id, prefix, round: -1, generation } satisfies HalvingJobData, opts: { jobId: `${id}.g${generation}.h-start`, attempts: 2 } };
}

/** One halving round: its aggregate job (named "halving") waiting on the round's fit tasks. */
export function buildHalvingRound(id: string, prefix: string, round: number, tasks: Plan['tasks'], generation = 0, attempts = 3): FlowJob {
  return {
    name: 'halving',
    queueName: QUEUES.aggregate,
    data: { experimentId: id, prefix, round, generation } satisfies HalvingJobData,
    opts: { jobId: `${id}.g${generation}.h${round}`, attempts: 2 },
    children: tasks.map((task) => ({
      name: `round ${round} · fold ${task.fold} · cells ${task.cells.join(',')}`,
      queueName: QUEUES.tasks,
      data: { experimentId: id, prefix, task } satisfies TaskJobData,
      opts: { jobId: jobIds.task(id, task.index, generation), attempts, backoff: { type: 'exponential', delay: 1000 }, ignoreDependencyOnFailure: true },
    })),
  };
}

/** The refit + test job on its own (the end of a halving chain). */
export function buildRefitJob(id: string, prefix: string, generation = 0): FlowJob {
  return { name: 'refit', queueName: QUEUES.refit, data: { experimentId: id, prefix } satisfies ExperimentJobData, opts: { jobId: jobIds.root(id, generation), attempts: 2 } };
}
