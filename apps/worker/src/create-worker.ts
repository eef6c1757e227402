import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { tfjsBackend } from '@gridfold/core';
import { QUEUE } from '@gridfold/queue';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';

/** Dependencies and settings of a gridfold worker process. */
export interface WorkerDeps {
  /** BullMQ connection (ioredis with `maxRetriesPerRequest: null`). */
  connection: Redis;
  /** @defaultValue `"gridfold"` */
  prefix?: string;
  /** Jobs run at once by this process, each in its own sandboxed child. @defaultValue 1 */
  concurrency?: number;
  /**
   * How long a job's lock lasts without renewal, milliseconds. Fitting runs in a child
   * process, so the parent renews locks every lockDuration/2 however long a fit takes; the
   * lock only runs out when the worker process itself dies (then the job is redelivered).
   * @defaultValue 30000
   */
  lockDuration?: number;
  /** How often to look for jobs whose worker died, milliseconds. @defaultValue 15000 */
  stalledInterval?: number;
  /** Redeliveries after stalls before a job fails. @defaultValue 5 */
  maxStalledCount?: number;
  /** Native threads per fit task (onnxruntime); set so workers x threads fits the cores. */
  threads?: number;
  /**
   * Native threads for the refit + test job. It runs once per experiment, after every fit
   * task has finished, so by default it takes all the cores the tasks shared. The sandboxed
   * child switches its thread count per job.
   * @defaultValue os.availableParallelism()
   */
  refitThreads?: number;
  logger?: Logger;
}

/** A running worker: its BullMQ worker and an idempotent close(). */
export interface GridfoldWorker {
  worker: Worker;
  close(): Promise<void>;
}

const PROCESSOR = fileURLToPath(new URL('./processors/job.js', import.meta.url));

/**
 * Starts the BullMQ worker of a gridfold worker process on the flow's one queue. Its processor
 * runs every kind of job (fit task, aggregate, halving step, refit) and is sandboxed in a child
 * process, not a worker thread: onnxruntime-node and tfjs-node are not thread-safe, and a
 * blocked child does not stop lock renewal. One child per concurrent job, kept between jobs, so
 * the dataset is loaded once per child and an aggregate or refit finds it warm.
 */
export function createWorker(deps: WorkerDeps): GridfoldWorker {
  const log = deps.logger ?? pino({ base: { role: 'worker', pid: process.pid } }, pino.destination(2));
  const threads = String(deps.threads ?? process.env.GRIDFOLD_THREADS ?? 1);
  const refitThreads = String(deps.refitThreads ?? availableParallelism());
  const concurrency = deps.concurrency ?? 1;
  const worker = new Worker(QUEUE, PROCESSOR, {
    connection: deps.connection,
    prefix: deps.prefix ?? 'gridfold',
    concurrency,
    lockDuration: deps.lockDuration ?? 30_000,
    stalledInterval: deps.stalledInterval ?? 15_000,
    maxStalledCount: deps.maxStalledCount ?? 5,
    useWorkerThreads: false,
    workerForkOptions: { env: { ...process.env, GRIDFOLD_THREADS: threads, GRIDFOLD_REFIT_THREADS: refitThreads } },
  });
  worker.on('failed', (job, err) => log.warn({ job: job?.id, name: job?.name, err: err.message, attempts: job?.attemptsMade }, 'job failed'));
  worker.on('stalled', (jobId) => log.warn({ job: jobId }, 'job stalled; redelivering'));
  worker.on('error', (err) => log.error({ err: err.message }, 'worker error'));
  log.info({ queue: worker.name, concurrency, threads, refitThreads }, 'worker started');
  // The sandboxed children load TensorFlow.js themselves, from the same packages and env.
  tfjsBackend().then(
    (backend) => log.info({ tfjs_backend: backend }, 'MLPClassifier runs on TensorFlow.js backend'),
    (err: Error) => log.warn({ err: err.message }, 'TensorFlow.js did not load: MLPClassifier cells will fail'),
  );
  let closing: Promise<void> | undefined;
  return {
    worker,
    close() {
      closing ??= worker.close().then(() => log.info('worker closed'));
      return closing;
    },
  };
}
