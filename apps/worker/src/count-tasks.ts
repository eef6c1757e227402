import type { JobData, TaskMetrics } from '@gridfold/queue';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { isFinalFailure } from './final-failures.js';
import { JobStopped } from './sandbox.js';

/** What a fit job's processor returns (task-processor.ts): a stored result, or why there is none. */
interface FitReturn {
  task?: number;
  /** A trial job (trial-processor.ts): its number, and how it ended when it ran here. */
  trial?: number;
  state?: 'complete' | 'pruned' | 'failed';
  /** The result was already stored by an earlier delivery. */
  already?: boolean;
  /** The experiment was retried or purged while the task ran: its result was refused. */
  refused?: string;
  /** The task did not run (its experiment was cancelled, failed, retried or is gone). */
  skipped?: string;
  estimator?: string;
  seconds?: number;
}

/**
 * The worker's listeners that count fit tasks for `GET /metrics` ({@link TaskMetrics}, in
 * Redis): a completed task once, with its duration under its estimator when it was computed
 * here; a task that failed for good once. A study's trial job counts as one task: completed
 * when the trial ended complete or pruned (with the trial's duration), failed when it ended
 * failed or its job failed for good. Tasks that did not run (their experiment cancelled
 * or retried) and cancelled ones count as neither. A failed count is logged, never thrown:
 * metrics must not fail a job.
 */
export function countTasks(metrics: TaskMetrics, log: Logger) {
  const warn = (err: Error) => log.warn({ err: err.message }, 'could not count a task for the metrics');
  return {
    completed(job: Job<JobData>, result: unknown): void {
      const r = (result ?? {}) as FitReturn;
      if (job.data.kind === 'trial') {
        // A trial that ended before (`already`) was counted by the delivery that ended it.
        if (r.trial === undefined || !r.state) return;
        if (r.state === 'failed') return void metrics.taskFailed().catch(warn);
        const timing = typeof r.estimator === 'string' && typeof r.seconds === 'number' ? { estimator: r.estimator, seconds: r.seconds } : undefined;
        return void metrics.taskCompleted(timing).catch(warn);
      }
      if (job.data.kind !== 'fit') return;
      if (r.task === undefined || r.refused || r.skipped) return;
      const timing = typeof r.estimator === 'string' && typeof r.seconds === 'number' ? { estimator: r.estimator, seconds: r.seconds } : undefined;
      metrics.taskCompleted(timing).catch(warn);
    },
    failed(job: Job<JobData> | undefined, err: Error): void {
      if (!job || (job.data.kind !== 'fit' && job.data.kind !== 'trial') || !isFinalFailure(job, err)) return;
      if (err instanceof JobStopped && err.stopCause === 'cancel') return;
      metrics.taskFailed().catch(warn);
    },
  };
}
