import { availableParallelism, hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createLogger, DEFAULT_MAX_STALLS, resolveLogFormat, type LogSettings, type TfjsBackendName } from '@gridfold/core';
import { ExperimentStore, keyPrefixFor, LruMap, QUEUE, TaskMetrics, WorkerRegistry, type JobData, type WorkerJob } from '@gridfold/queue';
import { DelayedError, FlowProducer, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { watchCancellations } from './cancel-watch.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import { countTasks } from './count-tasks.js';
import { onFinalFailure } from './final-failures.js';
import { Heartbeat } from './heartbeat.js';
import { Sandbox } from './sandbox.js';
import { encodeSandboxConfig, SANDBOX_CONFIG_VAR } from './sandbox-config.js';
import { DEFAULT_TIME_LIMITS, JobTimeLimits, timeLimitMessage, type TimeLimits } from './time-limits.js';

/** Dependencies and settings of a gridfold worker process. */
export interface WorkerDeps {
  /** BullMQ connection (ioredis with `maxRetriesPerRequest: null`, or a Redis Cluster's: `connectRedis` of a `redis+cluster://` URL). */
  connection: Redis;
  /** Where `connection` connects: each sandboxed processor opens its own connection there. */
  redisUrl: string;
  /** @defaultValue `"gridfold"`; on a Redis Cluster it is used as the hash tag `{gridfold}` (see `keyPrefixFor`) */
  prefix?: string;
  /** Jobs run at once by this process, each in its own sandboxed child, over every queue shard together. @defaultValue 1 */
  concurrency?: number;
  /**
   * Key prefixes of the deployment's queue shards, shard 0 (the prefix itself) first: this process
   * serves every one (see `resolveQueueShards`, which `gridfold worker` calls).
   * @defaultValue `[prefix]`: the one queue
   */
  queueShards?: readonly string[];
  /**
   * How long a job's lock lasts without renewal, milliseconds. Fitting runs in a child
   * process, so the parent renews locks every lockDuration/2 however long a fit takes; the
   * lock only runs out when the worker process itself dies (then the job is redelivered).
   * @defaultValue 30000
   */
  lockDuration?: number;
  /** How often to look for jobs whose worker died, milliseconds. @defaultValue 15000 */
  stalledInterval?: number;
  /** Redeliveries after stalls before a job fails (`GRIDFOLD_MAX_STALLS`). @defaultValue 5 (DEFAULT_MAX_STALLS) */
  maxStalledCount?: number;
  /**
   * Native threads per fit task, aggregate and halving step (onnxruntime, trees grown at
   * once); set so workers x threads fits the cores.
   * @defaultValue 1
   */
  threads?: number;
  /**
   * Native threads for the refit + test job. It runs once per experiment, after every fit
   * task has finished, so by default it takes all the cores the tasks shared. The sandboxed
   * child switches its thread count per job.
   * @defaultValue os.availableParallelism()
   */
  refitThreads?: number;
  /** Directory that dataset paths in specs are relative to and confined to, on this host. @defaultValue `./data` under the working directory */
  dataDir?: string;
  /** Most task results kept in the task cache. @defaultValue 200000 */
  cacheMax?: number;
  /** Most bytes the task cache holds. @defaultValue 268435456 (256 MiB) */
  cacheMaxBytes?: number;
  /**
   * Finished jobs kept, applied by BullMQ as this worker finishes each job: at most
   * `completed` completed and `failed` failed ones, none older than `hours`. Nothing in a
   * flow reads a finished child job (aggregates and refits read the store), so removing them
   * early is safe. @defaultValue `{ completed: 1000, failed: 1000, hours: 168 }`
   */
  keepJobs?: { completed: number; failed: number; hours: number };
  /** This worker's name in an experiment's running tasks. @defaultValue each sandboxed processor's pid */
  workerId?: string;
  /** TensorFlow.js backend of MLPClassifier in the sandboxed processors. @defaultValue the fastest that loads */
  tfjsBackend?: TfjsBackendName;
  /**
   * Wall-clock limits per job kind, milliseconds: past it the job's sandboxed process is killed
   * and the job fails for good with the reason. A spec's `timeouts` override fit and refit.
   * @defaultValue {@link DEFAULT_TIME_LIMITS}: fit 2 h, aggregate (and halving step) 10 min, refit 4 h
   */
  timeLimits?: Partial<TimeLimits>;
  /** Where this host keeps artifacts (plugin bundles, datasets) fetched from Redis. @defaultValue the config's `~/.cache/gridfold/artifacts` */
  artifactCacheDir?: string;
  /** Most bytes the artifact cache keeps. @defaultValue 4294967296 (4 GiB) */
  artifactCacheMaxBytes?: number;
  /** Whether this worker runs users' plugin code; when false their jobs fail with the reason. @defaultValue true */
  allowPlugins?: boolean;
  /**
   * How long a stopped job's process has to end by itself after its abort signal fires (an
   * objective may stop between epochs), milliseconds, before it is killed. @defaultValue 1500
   */
  killGraceMs?: number;
  /** How often running jobs look whether their experiment was cancelled, milliseconds. @defaultValue 1000 */
  cancelCheckMs?: number;
  /**
   * How often this worker writes its heartbeat (host, pid, threads, running jobs) to Redis,
   * milliseconds; each lasts 3 intervals, so a worker that died leaves the list of live
   * workers within that. @defaultValue 5000
   */
  heartbeatMs?: number;
  /** Format and level of the logs of the worker and its sandboxed processors. @defaultValue `{ logFormat: "auto", logLevel: "info" }` */
  log?: LogSettings;
  /** @defaultValue `createLogger(log, "worker")` */
  logger?: Logger;
}

/** A running worker: its BullMQ workers (one per queue shard) and an idempotent close(). */
export interface GridfoldWorker {
  /** The BullMQ worker of shard 0 (the one queue, without shards). */
  worker: Worker;
  /** One BullMQ worker per queue shard, shard 0 first. */
  workers: Worker[];
  close(): Promise<void>;
}

/** Longest a task's count waits before the worker writes it for `GET /metrics`, milliseconds (a killed worker loses at most this much of its counts). */
const METRICS_FLUSH_MS = 1000;

const PROCESSOR = fileURLToPath(new URL('./processors/job.js', import.meta.url));

/**
 * Starts the BullMQ workers of a gridfold worker process, one per queue shard (one, the flow's
 * queue, without shards), with one concurrency limit over them all. The processor
 * runs every kind of job (fit task, aggregate, halving step, refit) in a sandboxed child
 * process, not a worker thread: onnxruntime-node and tfjs-node are not thread-safe, and a
 * blocked child does not stop lock renewal. One child per concurrent job, kept between jobs, so
 * the dataset is loaded once per child and an aggregate or refit finds it warm.
 *
 * Nothing stays running forever: each job has a wall-clock limit, a job of a cancelled
 * experiment is stopped within `cancelCheckMs`, and either kills the job's child (a fit blocked
 * in a synchronous loop cannot be asked to stop); the final failure of any job, whatever ended
 * it, is recorded here in the worker's own process (see {@link onFinalFailure}).
 */
export function createWorker(deps: WorkerDeps): GridfoldWorker {
  const logSettings = deps.log ?? { logFormat: 'auto', logLevel: 'info' };
  const log = deps.logger ?? createLogger(logSettings, 'worker');
  const threads = deps.threads ?? 1;
  const refitThreads = deps.refitThreads ?? availableParallelism();
  const concurrency = deps.concurrency ?? 1;
  const keep = deps.keepJobs ?? { completed: 1000, failed: 1000, hours: 168 };
  const sandboxConfig = encodeSandboxConfig({
    redisUrl: deps.redisUrl,
    dataDir: deps.dataDir,
    cacheMax: deps.cacheMax,
    cacheMaxBytes: deps.cacheMaxBytes,
    threads,
    refitThreads,
    workerId: deps.workerId,
    tfjsBackend: deps.tfjsBackend,
    artifactCacheDir: deps.artifactCacheDir,
    artifactCacheMaxBytes: deps.artifactCacheMaxBytes,
    allowPlugins: deps.allowPlugins,
    // The children's stderr is a pipe into this process's: they log as it would.
    logFormat: resolveLogFormat(logSettings.logFormat),
    logLevel: logSettings.logLevel,
  });
  const sandbox = new Sandbox(PROCESSOR, { env: { ...process.env, [SANDBOX_CONFIG_VAR]: sandboxConfig } }, { concurrency, killGraceMs: deps.killGraceMs });
  const limits = new JobTimeLimits(deps.connection, { ...DEFAULT_TIME_LIMITS, ...deps.timeLimits });
  const prefix = keyPrefixFor(deps.connection, deps.prefix ?? 'gridfold');
  // The jobs running now, for the heartbeat: `gridfold workers` shows each worker's current tasks.
  const current = new Map<string, WorkerJob>();
  const heartbeat = new Heartbeat(
    new WorkerRegistry(deps.connection, prefix),
    { id: `${hostname()}:${process.pid}`, name: deps.workerId ?? null, host: hostname(), pid: process.pid, concurrency, threads, refit_threads: refitThreads, started_at: Date.now() },
    () => [...current.values()],
    deps.heartbeatMs ?? 5000,
    log,
  );
  // The signal is BullMQ's: worker.cancelJob(id) aborts it.
  const processJob = async (job: Job<JobData>, token?: string, signal?: AbortSignal): Promise<unknown> => {
    const data = job.data;
    current.set(job.id!, { job: job.id!, kind: data.kind, experiment: data.experimentId, ...(data.kind === 'fit' && { task: data.task.index }), since: Date.now() });
    heartbeat.touch();
    try {
      return await runJob(job, token, signal);
    } finally {
      current.delete(job.id!);
      heartbeat.touch();
    }
  };
  const runJob = async (job: Job<JobData>, token?: string, signal?: AbortSignal): Promise<unknown> => {
    const limitMs = await limits.limitMs(job.data);
    let timer: NodeJS.Timeout | undefined;
    const startClock = () => {
      timer = setTimeout(() => sandbox.stop(job.id!, timeLimitMessage(job.data.kind, limitMs), 'timeout'), limitMs);
    };
    const cancel = () => sandbox.stop(job.id!, String(signal?.reason ?? 'cancelled'), 'cancel');
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      // A job with plugins runs in a process that has loaded only its experiment's plugins.
      return await sandbox.run(job, token, startClock, job.data.plugins?.length ? job.data.plugins.join(',') : '');
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
    }
  };
  const maxStalledCount = deps.maxStalledCount ?? DEFAULT_MAX_STALLS;
  const workerOptions = {
    connection: deps.connection,
    concurrency,
    lockDuration: deps.lockDuration ?? 30_000,
    stalledInterval: deps.stalledInterval ?? 15_000,
    maxStalledCount,
    removeOnComplete: { count: keep.completed, age: keep.hours * 3600 },
    removeOnFail: { count: keep.failed, age: keep.hours * 3600 },
  };
  // Every shard's Worker may fetch up to the process's limit; with several, one gate keeps the
  // process at its limit over all of them (see ConcurrencyGate): a full process pauses them all,
  // and a job fetched for a slot that another shard's job took goes back to its queue at once,
  // where any worker process may take it, instead of waiting here.
  let gate: ConcurrencyGate<Worker<JobData>> | undefined;
  const processOn = async (lane: Worker<JobData>, job: Job<JobData>, token?: string, signal?: AbortSignal): Promise<unknown> => {
    if (gate && !gate.enter(lane)) {
      log.debug({ job: job.id, running: gate.size }, 'no free slot; job handed back to its queue');
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    try {
      return await processJob(job, token, signal);
    } finally {
      gate?.leave(lane);
    }
  };
  const workers = (deps.queueShards ?? [prefix]).map((shard) => {
    const lane: Worker<JobData> = new Worker<JobData>(QUEUE, (job, token, signal) => processOn(lane, job, token, signal), { ...workerOptions, prefix: shard });
    return lane;
  });
  if (workers.length > 1) {
    gate = new ConcurrencyGate(concurrency, workers, (lane, jobs) => {
      if (jobs === 0) return void lane.pause(true);
      lane.concurrency = jobs;
      void lane.resume();
    });
  }
  const stores = new LruMap<string, ExperimentStore>(8);
  const storeFor = (prefix: string) => stores.getOrSet(prefix, () => new ExperimentStore(deps.connection, prefix));
  const flows = new LruMap<string, FlowProducer>(4, (f) => void f.close());
  // By queue prefix: a study's next trial goes to the failed trial's own queue (its experiment's shard).
  const flowsFor = (queuePrefix: string) => flows.getOrSet(queuePrefix, () => new FlowProducer({ connection: deps.connection, prefix: queuePrefix }));
  const recordFailure = onFinalFailure(storeFor, log, flowsFor, maxStalledCount);
  // Counts go to Redis at most once a second per worker, not once per task.
  const metrics = new TaskMetrics(deps.connection, prefix, METRICS_FLUSH_MS);
  const counts = countTasks(metrics, log);
  for (const worker of workers) {
    worker.on('completed', (job, result) => counts.completed(job, result));
    worker.on('failed', (job, err) => {
      log.warn({ job: job?.id, name: job?.name, err: err.message, attempts: job?.attemptsMade }, 'job failed');
      counts.failed(job, err);
      recordFailure(job, err).catch((e: Error) => log.error({ job: job?.id, err: e.message }, 'could not record the final failure of a job'));
    });
    worker.on('stalled', (jobId) => log.warn({ job: jobId }, 'job stalled; redelivering'));
    worker.on('error', (err) => log.error({ err: err.message }, 'worker error'));
  }
  const stopWatching = watchCancellations({
    running: () => sandbox.running() as Job<JobData>[],
    storeFor,
    // Job ids name their experiment, whose jobs are all on one shard: only that shard's Worker has it.
    cancel: (jobId, reason) => workers.forEach((w) => w.cancelJob(jobId, reason)),
    intervalMs: deps.cancelCheckMs ?? 1000,
    onError: (err) => log.warn({ err: err.message }, 'could not check for cancelled experiments'),
  });
  heartbeat.start();
  log.info({ queue: QUEUE, shards: workers.length, concurrency, threads, refitThreads }, 'worker started');
  let closing: Promise<void> | undefined;
  return {
    worker: workers[0],
    workers,
    close() {
      closing ??= (async () => {
        // Closing waits for the running jobs: until they end, a cancel must still stop them.
        await Promise.all(workers.map((w) => w.close()));
        stopWatching();
        await heartbeat.stop();
        await metrics.close();
        await sandbox.close();
        log.info('worker closed');
      })();
      return closing;
    },
  };
}
