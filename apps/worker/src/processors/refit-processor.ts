import { buildResult, cachedRefit, failedResult, paramsToRefit, refitAndTest, type RefitResult } from '@gridfold/core';
import type { RefitJobData } from '@gridfold/queue';
import type { SandboxedJob } from 'bullmq';
import { cacheFor, datasetFor, lastAttempt, log, planFor, storeFor } from './context.js';

/** The root job: refits the best params on the training set, scores the test set, stores the final result. */
export async function processRefit(job: SandboxedJob, data: RefitJobData, signal?: AbortSignal): Promise<unknown> {
  const { experimentId: id, prefix, generation, fingerprint } = data;
  const store = storeFor(prefix);
  const record = await store.get(id);
  if (!record || store.isTerminal(record.status)) return { skipped: true };
  // A refit of an earlier run would use the retry's summary; finish() would refuse it anyway.
  if ((await store.generation(id)) !== generation) return { skipped: 'stale-generation', generation };
  const plan = await planFor(store, id);
  if (!record.summary) throw new Error(`experiment ${id} has no aggregated results`);
  const summary = { summary: record.summary, metrics: record.metrics };
  // Cross-validation ends when this job starts: timings say what this run spent on each part.
  const refitStart = Date.now();
  try {
    let refit: RefitResult | null = null;
    if (plan.refit) {
      const params = paramsToRefit(plan, record.summary);
      if (params === null) throw new Error('every cell failed; nothing to refit (see errors)');
      await job.updateProgress(10);
      const dataset = await datasetFor(plan, prefix, fingerprint);
      refit = await cachedRefit(plan, dataset, params, cacheFor(prefix), () => refitAndTest(plan, dataset, params, signal));
    }
    const now = Date.now();
    const cvMs = Math.max(0, refitStart - (record.started_at ?? record.created_at));
    const result = buildResult({ id, plan, summary, refit, timings: { total_ms: now - record.created_at, cv_ms: cvMs } });
    if (!(await store.finish(id, 'completed', { result, generation }))) {
      log.warn({ experiment: id, generation }, 'refit result not stored: the experiment ended or was retried meanwhile');
      return { refused: true, generation };
    }
    log.info({ experiment: id, best_params: result.best_params, test: result.test }, 'experiment completed');
    return { test: result.test };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error({ experiment: id, err: message }, 'refit failed');
    if (!lastAttempt(job)) throw err;
    await store.finish(id, 'failed', { error: message, result: failedResult(id, plan.name, message, Date.now() - record.created_at), generation });
    return { failed: message };
  }
}
