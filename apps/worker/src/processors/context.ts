import { readFile } from 'node:fs/promises';
import { activatePlugins, createLogger, DATA_PATH_FIELDS, MAX_LOADED_DATASETS, openDataset, type Dataset, type Plan } from '@gridfold/core';
import { ArtifactStore, connectRedis, ExperimentStore, LruMap, planOfRecord, RedisTaskCache, usePlugins, type ExperimentRecord, type JobData } from '@gridfold/queue';
import { FlowProducer } from 'bullmq';
import type { Redis } from 'ioredis';
import { ArtifactCache } from '../artifact-cache.js';
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
const artifactCaches = new LruMap<string, ArtifactCache>(8);
// One per key prefix, for the few most recent; a dropped one is closed (the shared connection stays open).
const producers = new LruMap<string, FlowProducer>(8, (p) => void p.close());

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

/** Adds the flows a job starts (halving rounds, a study's next trial, its end) on the queue under `queuePrefix`: the job's own (`job.prefix`), its experiment's shard. */
export function producerFor(queuePrefix: string): FlowProducer {
  return producers.getOrSet(queuePrefix, () => new FlowProducer({ connection: redisFor(), prefix: queuePrefix }));
}

/** The task cache shared by every worker on this Redis and prefix. */
export function cacheFor(prefix: string): RedisTaskCache {
  return caches.getOrSet(prefix, () => new RedisTaskCache(redisFor(), prefix, { maxEntries: config.cacheMax, maxBytes: config.cacheMaxBytes }));
}

/** This host's copies of the artifacts under `prefix`, fetched from Redis on first use. */
export function artifactsFor(prefix: string): ArtifactCache {
  return artifactCaches.getOrSet(
    prefix,
    () => new ArtifactCache(new ArtifactStore(redisFor(), prefix), { dir: config.artifactCacheDir, maxBytes: config.artifactCacheMaxBytes, logger: log }),
  );
}

/**
 * Makes the job's experiment's plugins the ones this process builds estimators from (none for
 * a job without plugins): each bundle fetched once into the host's artifact cache, checked by
 * sha256 and evaluated once per process. The worker gives a job with plugins to a process that
 * has run no other experiment's code.
 * @throws Error when this worker does not run plugins (`GRIDFOLD_ALLOW_PLUGINS=false`), or a bundle cannot be used
 */
export async function pluginsFor(store: ExperimentStore, data: Pick<JobData, 'experimentId' | 'prefix' | 'plugins'>): Promise<void> {
  if (!data.plugins?.length) return activatePlugins([]);
  if (!config.allowPlugins) throw new Error('this worker does not run plugin code (GRIDFOLD_ALLOW_PLUGINS=false)');
  const { spec } = await storedFor(store, data.experimentId);
  const cache = artifactsFor(data.prefix);
  await usePlugins(spec, async (sha) => readFile(await cache.path(sha), 'utf8'));
}

const stored = new LruMap<string, Promise<Pick<ExperimentRecord, 'spec' | 'groups'>>>(16);

/**
 * An experiment's spec and stored task groups, read once while this process keeps them (both
 * are fixed at submission; a retry keeps them): every job of a plugin experiment needs its
 * plugins, and a whole record (its summary, its result) is not read for that.
 */
function storedFor(store: ExperimentStore, id: string): Promise<Pick<ExperimentRecord, 'spec' | 'groups'>> {
  return stored.getOrLoad(id, () =>
    store.get(id).then((record) => {
      if (!record) throw new Error(`experiment ${id} not found in the store`);
      return { spec: record.spec, groups: record.groups };
    }),
  );
}

/** The plan of an experiment, made from its stored spec once while this process keeps it. */
export function planFor(store: ExperimentStore, id: string): Promise<Plan> {
  // The API checked the spec's size against its own limit when it took the spec.
  return plans.getOrLoad(id, () => storedFor(store, id).then(planOfRecord));
}

/** Datasets jobs were bound to here, by their dataset spec, artifacts and fingerprint: as many as core's loadDataset keeps. */
const bound = new LruMap<string, Promise<Dataset>>(MAX_LOADED_DATASETS);

/**
 * The experiment's dataset, paths confined to this host's data directory, as the job's run is
 * bound to it (`fingerprint`). Found once per process for each (dataset, fingerprint): its files
 * are checked against the fingerprint then, and the next tasks of the run reuse it without
 * resolving and stat-ing its files again (milliseconds a task, a tenth of a tiny task's cost). A
 * run bound to other data (a retry on changed files) has another fingerprint, so it finds its
 * own. A copy this process loaded earlier with another fingerprint is read again once; files
 * that no longer match are refused, so no job computes on other data.
 */
export function datasetFor(plan: Pick<Plan, 'dataset' | 'artifacts'>, prefix: string, fingerprint: string): Promise<Dataset> {
  // A refusal is not kept (getOrLoad forgets a rejected load): the files may be put back as they were.
  return bound.getOrLoad(JSON.stringify([prefix, plan.dataset, plan.artifacts, fingerprint]), () => openBound(plan, prefix, fingerprint));
}

async function openBound(plan: Pick<Plan, 'dataset' | 'artifacts'>, prefix: string, fingerprint: string): Promise<Dataset> {
  const { dataset } = plan;
  // Files the spec maps to artifacts come from this host's artifact cache, the others from its data directory.
  const files: Record<string, string> = {};
  for (const field of DATA_PATH_FIELDS) {
    const value = (dataset as Record<string, unknown>)[field];
    const sha = typeof value === 'string' ? plan.artifacts[value] : undefined;
    if (typeof value === 'string' && sha) files[value] = await artifactsFor(prefix).path(sha);
  }
  let data = await openDataset(dataset, { dataDir: config.dataDir, files });
  if (data.sourceFingerprint !== fingerprint) data = await openDataset(dataset, { dataDir: config.dataDir, files, fresh: true });
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
