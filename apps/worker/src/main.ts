import { configureKernels, createLogger, tfjsBackend, type GridfoldConfig } from '@gridfold/core';
import { connectRedis, keyPrefixFor, resolveQueueShards } from '@gridfold/queue';
import { createWorker } from './create-worker.js';

/**
 * Runs one worker process with `config` (read once by the `gridfold worker` command) until
 * SIGTERM/SIGINT, then finishes the current task and exits.
 */
export async function runWorkerMain(config: GridfoldConfig): Promise<void> {
  const log = createLogger(config, 'worker');
  const connection = connectRedis(config.redisUrl);
  connection.on('error', () => {
    // Reported by the BullMQ workers' own error events (create-worker logs them); ioredis reconnects.
  });
  // The deployment's queue shards, stored in Redis by its first API or worker: this one serves them all.
  const queueShards = await resolveQueueShards(connection, keyPrefixFor(connection, config.prefix), config.queueShards);
  const worker = createWorker({
    connection,
    redisUrl: config.redisUrl,
    prefix: config.prefix,
    concurrency: config.concurrency,
    queueShards,
    threads: config.threads,
    refitThreads: config.refitThreads,
    lockDuration: config.lockMs,
    stalledInterval: config.stalledMs,
    maxStalledCount: config.maxStalls,
    timeLimits: { fit: config.fitTimeoutMs, aggregate: config.aggregateTimeoutMs, refit: config.refitTimeoutMs },
    dataDir: config.dataDir,
    cacheMax: config.cacheMax,
    cacheMaxBytes: config.cacheMaxBytes,
    keepJobs: { completed: config.keepCompletedJobs, failed: config.keepFailedJobs, hours: config.keepJobsHours },
    workerId: config.workerId,
    tfjsBackend: config.tfjsBackend,
    artifactCacheDir: config.artifactCacheDir,
    artifactCacheMaxBytes: config.artifactCacheMaxBytes,
    allowPlugins: config.allowPlugins,
    heartbeatMs: config.heartbeatMs,
    log: config,
    logger: log,
  });
  // The sandboxed children load TensorFlow.js themselves, from the same packages and settings.
  configureKernels({ tfjsBackend: config.tfjsBackend });
  tfjsBackend().then(
    (backend) => log.info({ tfjs_backend: backend }, 'MLPClassifier runs on TensorFlow.js backend'),
    (err: Error) => log.warn({ err: err.message }, 'TensorFlow.js did not load: MLPClassifier cells will fail'),
  );
  const stop = async () => {
    await worker.close();
    connection.disconnect();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
