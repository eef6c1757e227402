import { buildResult, cachedRefit, failedResult, paramsToRefit, refitAndTest, type RefitResult } from '@gridfold/core';
import type { ExperimentJobData } from '@gridfold/queue';
import type { SandboxedJob } from 'bullmq';
import { cacheFor, datasetFor, experimentFor, lastAttempt, log, storeFor } from './context.js';

/** The root job: refits the best params on the training set, scores the test set, stores the final result. */
export async function processRefit(job: SandboxedJob<ExperimentJobData>): Promise<unknown> {
  const { experimentId: id, prefix } = job.data;
  const store = storeFor(prefix);
  const record = await store.get(id);
  if (!record || store.isTerminal(record.status)) return { skipped: true };
  const { spec, plan } = await experimentFor(store, id);
  if (!record.summary) throw new Error(`experiment ${id} has no aggregated results`);
  const summary = { summary: record.summary, metrics: record.metrics };
  try {
    let refit: RefitResult | null = null;
    if (spec.refit !== false) {
      const params = paramsToRefit(plan, record.summary);
      if (params === null) throw new Error('every cell failed; nothing to refit (see errors)');
      await job.updateProgress(10);
      const dataset = await datasetFor(spec);
      refit = await cachedRefit(spec, dataset, params, cacheFor(prefix), () => refitAndTest(spec, dataset, params));
    }
    const startedAt = record.started_at ?? record.created_at;
    const result = buildResult({ id, spec, plan, summary, refit, timings: { total_ms: Date.now() - record.created_at, cv_ms: Date.now() - startedAt - (refit ? refit.refit_ms + refit.test_ms : 0) } });
    await store.finish(id, 'completed', { result });
    log.info({ experiment: id, best_params: result.best_params, test: result.test }, 'experiment completed');
    return { test: result.test };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error({ experiment: id, err: message }, 'refit failed');
    if (!lastAttempt(job)) throw err;
    await store.finish(id, 'failed', { error: message, result: failedResult(id, spec, message, Date.now() - record.created_at) });
    return { failed: message };
  }
}
