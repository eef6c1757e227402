import type { JobData, TaskMetrics } from '@gridfold/queue';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { isFinalFailure } from './final-failures.js';
import { JobStopped } from './sandbox.js';

/** What a fit job's processor returns (task-processor.ts): a stored result, or why there is none. */
interface FitReturn {
  task?: number;
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
 * here; a task that failed for good once. Tasks that did not run (their experiment cancelled
 * or retried) and cancelled ones count as neither. A failed count is logged, never thrown:
 * metrics must not fail a job.
 */
export function countTasks(metrics: TaskMetrics, log: Logger) {
  const warn = (err: Error) => log.warn({ err: err.message }, 'could not count a task for the metrics');
  return {
    completed(job: Job<JobData>, result: unknown): void {
      if (job.data.kind !== 'fit') return;
      const r = (result ?? {}) as FitReturn;
      if (r.task === undefined || r.refused || r.skipped) return;
      const timing = typeof r.estimator === 'string' && typeof r.seconds === 'number' ? { estimator: r.estimator, seconds: r.seconds } : undefined;
      metrics.taskCompleted(timing).catch(warn);
    },
    failed(job: Job<JobData> | undefined, err: Error): void {
      if (!job || job.data.kind !== 'fit' || !isFinalFailure(job, err)) return;
      if (err instanceof JobStopped && err.stopCause === 'cancel') return;
      metrics.taskFailed().catch(warn);
    },
  };
}
