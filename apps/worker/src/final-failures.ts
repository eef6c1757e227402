import { DEFAULT_MAX_STALLS } from '@gridfold/core';
import { advanceStudy, planOfRecord, stepFailure, type ExperimentStore, type JobData } from '@gridfold/queue';
import { UnrecoverableError, type FlowProducer, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { JobStopped } from './sandbox.js';

/** Whether BullMQ will not run this job again: its last attempt failed, or it may not be retried. */
export function isFinalFailure(job: Job, err: Error): boolean {
  return err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}

/** BullMQ's reason for a job that stalled more than maxStalledCount times (moveStalledJobsToWait's deferred failure). */
export const STALL_LIMIT_REASON = 'job stalled more than allowable limit';

/** A failure's message for people: BullMQ's stall-limit reason says what happened and which setting allows more. */
export function failureMessage(err: Error, maxStalls: number): string {
  if (err.message !== STALL_LIMIT_REASON) return err.message;
  const stops = maxStalls + 1;
  return `its worker stopped while running it (killed, out of memory or crashed) ${stops} time${stops === 1 ? '' : 's'}, more than GRIDFOLD_MAX_STALLS (${maxStalls}) allows: given up, as a job that stops its worker every time would stop workers forever`;
}

/**
 * The worker's `failed` listener. It runs in the worker's own process, so it sees a job's final
 * failure whatever ended it: an error its processor did not handle, its sandboxed process
 * killed (out of memory, its time limit, a cancel), or too many stalls. A fit task's failure
 * is recorded as the task's error (its cells fail; the aggregate runs as ever); the failure of
 * any other job (aggregate, halving step, refit) breaks the experiment's chain, so the
 * experiment's run ends failed with the reason instead of waiting forever.
 */
export function onFinalFailure(storeFor: (prefix: string) => ExperimentStore, log: Logger, flowsFor?: (queuePrefix: string) => FlowProducer, maxStalls = DEFAULT_MAX_STALLS) {
  return async (job: Job<JobData> | undefined, err: Error): Promise<void> => {
    if (!job || !isFinalFailure(job, err)) return;
    const message = failureMessage(err, maxStalls);
    const data = job.data;
    const store = storeFor(data.prefix);
    if (data.kind === 'trial' && flowsFor) {
      // A trial whose job failed for good (time limit, crashes) ends failed, and the study goes on without it.
      const studies = store.study();
      const record = await store.get(data.experimentId);
      if (!record || store.isTerminal(record.status)) return;
      const trial = await studies.trial(data.experimentId, data.number);
      const count = await studies.end(data.experimentId, { number: data.number, params: trial?.params ?? {}, state: 'failed' }, data.generation);
      log.warn({ experiment: data.experimentId, trial: data.number, err: message }, 'trial failed');
      const plan = planOfRecord(record);
      await advanceStudy(studies, flowsFor(job.prefix), data.experimentId, data.prefix, plan, { generation: data.generation, fingerprint: data.fingerprint, plugins: data.plugins, weight: plan.priority }, data.number, count);
      return;
    }
    if (data.kind === 'fit') {
      // A cancelled task is not a failure of its cells: a retry runs it again.
      if (!(err instanceof JobStopped && err.stopCause === 'cancel')) await store.saveTaskError(data.experimentId, data.generation, data.task.index, message);
      await store.taskEnded(data.experimentId, data.task.index);
      return;
    }
    const reason = stepFailure(data.kind, message);
    if (await store.failRun(data.experimentId, data.generation, reason)) log.error({ experiment: data.experimentId, job: job.id, err: reason }, 'experiment failed');
  };
}
