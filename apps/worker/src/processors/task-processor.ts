import { cachedFitAndScore, roundPlan, taskCacheKeys, type Dataset, type Plan } from '@gridfold/core';
import { LruMap, type ExperimentStore, type FitJobData } from '@gridfold/queue';
import type { SandboxedJob } from 'bullmq';
import { PendingCacheWrites } from '../pending-cache-writes.js';
import { cacheFor, config, datasetFor, lastAttempt, log, planFor, storeFor } from './context.js';
import { processPart } from './part-processor.js';
import { storeTaskResult } from './store-result.js';

/**
 * Fits and scores one task (fold x cells) in a sandboxed process. Idempotent: a task whose
 * result is already stored (a redelivery after a stall) is not recomputed, and the store
 * keeps the first result only. A cancelled experiment's tasks do nothing.
 */
export async function processTask(job: SandboxedJob, data: FitJobData, signal?: AbortSignal): Promise<unknown> {
  if (data.part && data.part.count > 1) return processPart(job, { ...data, part: data.part });
  const { experimentId: id, prefix, task, generation, fingerprint } = data;
  const run = { generation, fingerprint };
  const store = storeFor(prefix);
  const begin = store.beginTask(id, task.index, config.workerId ?? String(process.pid), run);
  // The plan and data (this process's caches after the first task) and the cells' cache read go
  // out while beginTask is answered: one round trip for both instead of two. A task that is not
  // to run (done, cancelled, retried) drops them unused.
  const ready = prepareTask(store, data);
  ready.catch(() => {});
  const began = await begin;
  if (began === 'done') return { task: task.index, already: true };
  if (began !== 'run') return { skipped: began };
  const started = Date.now();
  let ended = false;
  try {
    const { plan, dataset, cache } = await ready;
    // Progress goes to Redis at most every 500 ms: a short task's end is its only news.
    let lastReport = started;
    const onProgress = (f: number) => {
      if (Date.now() - lastReport < 500) return;
      lastReport = Date.now();
      void job.updateProgress(Math.round(f * 100));
    };
    const result = await cachedFitAndScore(plan, dataset, task, cache, { onProgress, signal });
    // The fresh cells' cache write and the result's store share a round trip; the task ends when both are done.
    const out = await storeTaskResult(store, id, plan, result, run, started);
    // The result is stored: a lost cache write only means a later sweep computes these cells again.
    await cache.settled().catch((err: Error) => log.warn({ experiment: id, task: task.index, err: err.message }, 'could not write the task cache; the result is stored'));
    ended = true;
    return out;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error({ experiment: id, task: task.index, err: message, attempt: job.attemptsMade + 1 }, 'task failed');
    if (lastAttempt(job)) await store.saveTaskError(id, generation, task.index, message);
    throw err;
  } finally {
    if (!ended) await store.taskEnded(id, task.index);
  }
}

/** A task's plan, data and task cache, with its cells' cache read already sent. */
async function prepareTask(store: ExperimentStore, data: FitJobData): Promise<{ plan: Plan; dataset: Dataset; cache: PendingCacheWrites }> {
  const { experimentId: id, prefix, task, fingerprint } = data;
  const base = await planFor(store, id);
  const plan = task.round === undefined ? base : await roundPlanFor(store, id, base, task.round);
  const dataset = await datasetFor(plan, prefix, fingerprint);
  const cache = new PendingCacheWrites(cacheFor(prefix));
  const keys = taskCacheKeys(plan, dataset, task);
  if (keys) cache.prefetch(keys);
  return { plan, dataset, cache };
}

const roundPlans = new LruMap<string, Promise<Plan>>(64);

/** The plan of halving round `round` (its survivors and subsample), read once while this process keeps it. */
function roundPlanFor(store: ExperimentStore, id: string, base: Plan, round: number): Promise<Plan> {
  return roundPlans.getOrLoad(`${id}:${round}`, () =>
    store.halving(id).then((state) => {
      const r = state?.rounds[round];
      if (!state || !r) throw new Error(`experiment ${id} has no halving round ${round}`);
      return roundPlan(base, r, state.schedule.max_resources);
    }),
  );
}
