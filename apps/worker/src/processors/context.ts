import { checkSpec, createLogger, openDataset, planExperiment, type Dataset, type DatasetSpec, type Plan } from '@gridfold/core';
import { connectRedis, ExperimentStore, RedisTaskCache } from '@gridfold/queue';
import type { Redis } from 'ioredis';
import { LruMap } from '../lru-map.js';
import { readSandboxConfig } from '../sandbox-config.js';

/** This process's settings, as its worker handed them over. */
export const config = readSandboxConfig(process.env);

/**
 * What a sandboxed processor process keeps between jobs: one Redis connection, the store and
 * task cache per key prefix, and per experiment its spec and plan, for the most recently used
 * few (a long-lived process serves any number of experiments). Datasets are cached by core's
 * loadDataset, so a process holds one copy of MNIST however many tasks it runs.
 */
let redis: Redis | undefined;
const stores = new LruMap<string, ExperimentStore>(8);
const caches = new LruMap<string, RedisTaskCache>(8);
const plans = new LruMap<string, Promise<Plan>>(16);

export const log = createLogger(config, 'processor');

// A sandboxed processor lives only as long as its worker: when the worker process goes away
// (closed, or killed outright) the IPC channel closes and this process must not linger.
process.once('disconnect', () => process.exit(0));

/** The process's one Redis connection, to its worker's Redis. */
export function redisFor(): Redis {
  if (!redis) {
    redis = connectRedis(config.redisUrl);
    redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error; reconnecting'));
  }
  return redis;
}

export function storeFor(prefix: string): ExperimentStore {
  return stores.getOrSet(prefix, () => new ExperimentStore(redisFor(), prefix));
}

/** The task cache shared by every worker on this Redis and prefix. */
export function cacheFor(prefix: string): RedisTaskCache {
  return caches.getOrSet(prefix, () => new RedisTaskCache(redisFor(), prefix, { maxEntries: config.cacheMax, maxBytes: config.cacheMaxBytes }));
}

/** The plan of an experiment, made from its stored spec once while this process keeps it. */
export function planFor(store: ExperimentStore, id: string): Promise<Plan> {
  let entry = plans.get(id);
  if (!entry) {
    entry = (async () => {
      const record = await store.get(id);
      if (!record) throw new Error(`experiment ${id} not found in the store`);
      // The API checked the spec's size against its own limit when it took the spec.
      return planExperiment(checkSpec(record.spec, { maxCellFolds: Number.MAX_SAFE_INTEGER }));
    })();
    plans.set(id, entry);
    entry.catch(() => plans.delete(id));
  }
  return entry;
}

/**
 * The experiment's dataset, paths confined to this host's data directory, as the job's run is
 * bound to it (`fingerprint`). A copy this process loaded earlier with another fingerprint is
 * read again once; files that no longer match are refused, so no job computes on other data.
 */
export async function datasetFor(dataset: DatasetSpec, fingerprint: string): Promise<Dataset> {
  let data = await openDataset(dataset, { dataDir: config.dataDir });
  if (data.sourceFingerprint !== fingerprint) data = await openDataset(dataset, { dataDir: config.dataDir, fresh: true });
  if (data.sourceFingerprint !== fingerprint) {
    throw new Error(
      `the dataset's files changed after the experiment was bound to them (bound to ${fingerprint.slice(0, 12)}, the files now ${data.sourceFingerprint.slice(0, 12)}); retry the experiment to run it on the new data`,
    );
  }
  return data;
}

/** Whether this is the job's last attempt (its failure is final). */
export function lastAttempt(job: { attemptsMade: number; opts: { attempts?: number } }): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
