import { checkSpec, defaultDataDir, openDataset, planExperiment, type Dataset, type DatasetSpec, type Plan } from '@gridfold/core';
import { connectRedis, ExperimentStore, RedisTaskCache } from '@gridfold/queue';
import { pino } from 'pino';
import type { Redis } from 'ioredis';

/**
 * What a sandboxed processor process keeps between jobs: one Redis connection, the store,
 * and per experiment its spec and plan. Datasets are cached by core's loadDataset, so a
 * process holds one copy of MNIST however many tasks it runs.
 */
const redisByUrl = new Map<string, Redis>();
const stores = new Map<string, ExperimentStore>();
const caches = new Map<string, RedisTaskCache>();
const plans = new Map<string, Promise<Plan>>();

export const log = pino({ base: { pid: process.pid, role: 'processor' } }, pino.destination(2));

// A sandboxed processor lives only as long as its worker: when the worker process goes away
// (closed, or killed outright) the IPC channel closes and this process must not linger.
process.once('disconnect', () => process.exit(0));

/** The value cached under `key`, made by `make` the first time: one per process. */
function once<K, V>(cache: Map<K, V>, key: K, make: () => V): V {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key)!;
}

/** The process's one Redis connection (REDIS_URL). */
export function redisFor(): Redis {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  return once(redisByUrl, url, () => {
    const r = connectRedis(url);
    r.on('error', (err) => log.warn({ err: err.message }, 'redis connection error; reconnecting'));
    return r;
  });
}

export function storeFor(prefix: string): ExperimentStore {
  return once(stores, prefix, () => new ExperimentStore(redisFor(), prefix));
}

/** The task cache shared by every worker on this Redis and prefix. */
export function cacheFor(prefix: string): RedisTaskCache {
  return once(caches, prefix, () => new RedisTaskCache(redisFor(), prefix));
}

/** The plan of an experiment, made from its stored spec once per process. */
export function planFor(store: ExperimentStore, id: string): Promise<Plan> {
  let entry = plans.get(id);
  if (!entry) {
    entry = (async () => {
      const record = await store.get(id);
      if (!record) throw new Error(`experiment ${id} not found in the store`);
      return planExperiment(checkSpec(record.spec));
    })();
    plans.set(id, entry);
    entry.catch(() => plans.delete(id));
  }
  return entry;
}

/** The experiment's dataset, paths confined to this host's data directory (GRIDFOLD_DATA_DIR). */
export function datasetFor(dataset: DatasetSpec): Promise<Dataset> {
  return openDataset(dataset, { dataDir: defaultDataDir() });
}

/** Whether this is the job's last attempt (its failure is final). */
export function lastAttempt(job: { attemptsMade: number; opts: { attempts?: number } }): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
