import { cachedFitAndScore, roundPlan, type Plan } from '@gridfold/core';
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
  const begin = await store.beginTask(id, task.index, config.workerId ?? String(process.pid), run);
  if (begin === 'done') return { task: task.index, already: true };
  if (begin !== 'run') return { skipped: begin };
  const started = Date.now();
  let ended = false;
  try {
    const base = await planFor(store, id);
    const plan = task.round === undefined ? base : await roundPlanFor(store, id, base, task.round);
    const dataset = await datasetFor(plan, prefix, fingerprint);
    // Progress goes to Redis at most every 500 ms: a short task's end is its only news.
    let lastReport = started;
    const onProgress = (f: number) => {
      if (Date.now() - lastReport < 500) return;
      lastReport = Date.now();
      void job.updateProgress(Math.round(f * 100));
    };
    const cache = new PendingCacheWrites(cacheFor(prefix));
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
