import type { JobData, JobKind } from '@gridfold/queue';
import type { SandboxedJob } from 'bullmq';
import { processAggregate } from './aggregate-processor.js';
import { processHalving } from './halving.js';
import { processRefit } from './refit-processor.js';
import { processTask } from './task-processor.js';

/**
 * Native threads per job kind, as the worker started this process: GRIDFOLD_THREADS for fit
 * tasks (and the light aggregate and halving steps), GRIDFOLD_REFIT_THREADS for the refit, which
 * runs once per experiment after its tasks and so may take every core the tasks shared.
 */
const threads: Record<JobKind, string | undefined> = {
  fit: process.env.GRIDFOLD_THREADS,
  aggregate: process.env.GRIDFOLD_THREADS,
  halving: process.env.GRIDFOLD_THREADS,
  refit: process.env.GRIDFOLD_REFIT_THREADS,
};

/**
 * The one sandboxed processor of a worker: runs any job of the flow, by its kind. The process
 * keeps its dataset, onnxruntime sessions and Redis connection from job to job.
 */
export default async function processJob(job: SandboxedJob<JobData>): Promise<unknown> {
  const data = job.data;
  const kind = data.kind;
  // A sandboxed process runs one job at a time, so the environment is this job's: onnxruntime
  // sessions and tree pools read GRIDFOLD_THREADS on every call, and sessions are cached per
  // thread count, so a refit after fit tasks gets its own many-threaded sessions.
  setThreads(threads[kind]);
  switch (data.kind) {
    case 'fit':
      return processTask(job, data);
    case 'aggregate':
      return processAggregate(data);
    case 'halving':
      return processHalving(job, data);
    case 'refit':
      return processRefit(job, data);
    default:
      throw new Error(`job ${job.id} (${job.name}) has no known kind in its data: ${JSON.stringify((data as { kind?: unknown }).kind)}`);
  }
}

function setThreads(n: string | undefined): void {
  if (n === undefined) delete process.env.GRIDFOLD_THREADS;
  else process.env.GRIDFOLD_THREADS = n;
}
