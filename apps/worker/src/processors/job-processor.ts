import { configureKernels } from '@gridfold/core';
import type { JobData, JobKind } from '@gridfold/queue';
import type { SandboxedJob } from 'bullmq';
import { processAggregate } from './aggregate-processor.js';
import { config, pluginsFor, storeFor } from './context.js';
import { processHalving } from './halving.js';
import { processRefit } from './refit-processor.js';
import { processTask } from './task-processor.js';
import { processTrial } from './trial-processor.js';

/**
 * Native threads per job kind, as the worker set this process up: its threads for fit tasks
 * (and the light aggregate and halving steps), its refit threads for the refit, which runs
 * once per experiment after its tasks and so may take every core the tasks shared.
 */
const threads: Record<JobKind, number> = {
  fit: config.threads,
  aggregate: config.threads,
  halving: config.threads,
  refit: config.refitThreads,
  trial: config.threads,
  gate: 1,
};

/**
 * The one sandboxed processor of a worker: runs any job of the flow, by its kind. The process
 * keeps its dataset, onnxruntime sessions and Redis connection from job to job.
 */
export default async function processJob(job: SandboxedJob<JobData>, _token?: string, signal?: AbortSignal): Promise<unknown> {
  const data = job.data;
  const kind = data.kind;
  // A huge flow's gate (queue enqueue.ts) only held its aggregate back while tasks were added.
  if (kind === 'gate') return { gate: 'released' };
  // A sandboxed process runs one job at a time, so the kernel settings are this job's:
  // onnxruntime sessions and tree pools read them on every call, and sessions are cached per
  // thread count, so a refit after fit tasks gets its own many-threaded sessions.
  configureKernels({ threads: threads[kind], tfjsBackend: config.tfjsBackend });
  // Before anything builds an estimator: the experiment's own estimators and objectives, or
  // none. An aggregate builds none (its plan's task groups are stored with the experiment).
  await pluginsFor(storeFor(data.prefix), kind === 'aggregate' ? { ...data, plugins: undefined } : data);
  // (A trial's plugins are its objective's or estimator's; the aggregate of a study reads only what trials recorded.)
  switch (data.kind) {
    case 'fit':
      return processTask(job, data, signal);
    case 'aggregate':
      return processAggregate(data);
    case 'halving':
      return processHalving(job, data);
    case 'refit':
      return processRefit(job, data, signal);
    case 'trial':
      return processTrial(job, data, signal);
    default:
      throw new Error(`job ${job.id} (${job.name}) has no known kind in its data: ${JSON.stringify((data as { kind?: unknown }).kind)}`);
  }
}
