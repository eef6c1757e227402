import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { tfjsBackend } from '@gridfold/core';
import { QUEUES } from '@gridfold/queue';
import { Worker, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';

/** Dependencies and settings of a gridfold worker process. */
export interface WorkerDeps {
  /** BullMQ connection (ioredis with `maxRetriesPerRequest: null`). */
  connection: Redis;
  /** @defaultValue `"gridfold"` */
  prefix?: string;
  /** Tasks run at once by this process, each in its own sandboxed child. @defaultValue 1 */
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
   * task has finished, so by default it takes all the cores the tasks shared.
   * @defaultValue os.availableParallelism()
   */
  refitThreads?: number;
  logger?: Logger;
}

/** A running worker: its BullMQ workers and an idempotent close(). */
export interface GridfoldWorker {
  workers: Worker[];
  close(): Promise<void>;
}

const processor = (name: string) => fileURLToPath(new URL(`./processors/${name}.js`, import.meta.url));

/**
 * Starts the three BullMQ workers of a gridfold worker process (fit tasks, aggregate,
 * refit). Processors are sandboxed in child processes, not worker threads: onnxruntime-node
 * and tfjs-node are not thread-safe, and a blocked child does not stop lock renewal.
 */
export function createWorker(deps: WorkerDeps): GridfoldWorker {
  const log = deps.logger ?? pino({ base: { role: 'worker', pid: process.pid } }, pino.destination(2));
  const env = { ...process.env, GRIDFOLD_THREADS: String(deps.threads ?? process.env.GRIDFOLD_THREADS ?? 1) };
  const refitEnv = { ...env, GRIDFOLD_THREADS: String(deps.refitThreads ?? availableParallelism()) };
  const common: WorkerOptions = {
    connection: deps.connection,
    prefix: deps.prefix ?? 'gridfold',
    lockDuration: deps.lockDuration ?? 30_000,
    stalledInterval: deps.stalledInterval ?? 15_000,
    maxStalledCount: deps.maxStalledCount ?? 5,
    useWorkerThreads: false,
    workerForkOptions: { env },
  };
  const workers = [
    new Worker(QUEUES.tasks, processor('task'), { ...common, concurrency: deps.concurrency ?? 1 }),
    new Worker(QUEUES.aggregate, processor('aggregate'), { ...common, concurrency: 1 }),
    new Worker(QUEUES.refit, processor('refit'), { ...common, concurrency: 1, workerForkOptions: { env: refitEnv } }),
  ];
  for (const w of workers) {
    w.on('failed', (job, err) => log.warn({ queue: w.name, job: job?.id, err: err.message, attempts: job?.attemptsMade }, 'job failed'));
    w.on('stalled', (jobId) => log.warn({ queue: w.name, job: jobId }, 'job stalled; redelivering'));
    w.on('error', (err) => log.error({ queue: w.name, err: err.message }, 'worker error'));
  }
  log.info({ queues: workers.map((w) => w.name), concurrency: deps.concurrency ?? 1, threads: env.GRIDFOLD_THREADS, refitThreads: refitEnv.GRIDFOLD_THREADS }, 'worker started');
  // The sandboxed children load TensorFlow.js themselves, from the same packages and env.
  tfjsBackend().then(
    (backend) => log.info({ tfjs_backend: backend }, 'MLPClassifier runs on TensorFlow.js backend'),
    (err: Error) => log.warn({ err: err.message }, 'TensorFlow.js did not load: MLPClassifier cells will fail'),
  );
  let closing: Promise<void> | undefined;
  return {
    workers,
    close() {
      closing ??= Promise.all(workers.map((w) => w.close())).then(() => log.info('worker closed'));
      return closing;
    },
  };
}
