import type { ExperimentStore, JobData } from '@gridfold/queue';
import type { Job } from 'bullmq';

/** What {@link watchCancellations} needs from its worker. */
export interface CancelWatchOptions {
  /** The jobs this worker runs now. */
  running: () => Job<JobData>[];
  storeFor: (prefix: string) => ExperimentStore;
  /** Stops a running job, saying why (BullMQ's `worker.cancelJob`). */
  cancel: (jobId: string, reason: string) => void;
  /** How often to look, milliseconds. */
  intervalMs: number;
  /** Told of a look that failed (e.g. Redis unreachable); the next one tries again. */
  onError: (err: Error) => void;
}

/**
 * Stops the running jobs of experiments that have ended cancelled or failed: every
 * `intervalMs` it reads the status of each running job's experiment (one read per experiment).
 * A DELETE only marks the experiment cancelled in Redis, which any worker on any host can see;
 * no message has to reach the worker, so none can be lost. Returns a stop function.
 */
export function watchCancellations(options: CancelWatchOptions): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const look = async () => {
    const byExperiment = new Map<string, Job<JobData>[]>();
    for (const job of options.running()) {
      const key = `${job.data.prefix}\n${job.data.experimentId}`;
      byExperiment.set(key, [...(byExperiment.get(key) ?? []), job]);
    }
    for (const jobs of byExperiment.values()) {
      const { prefix, experimentId: id } = jobs[0].data;
      const status = await options.storeFor(prefix).status(id);
      if (status !== 'cancelled' && status !== 'failed') continue;
      for (const job of jobs) options.cancel(job.id!, `experiment ${id} was ${status === 'cancelled' ? 'cancelled' : 'failed'} while this job ran`);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      look().catch(options.onError).finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
