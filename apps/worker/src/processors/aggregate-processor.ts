import { studySummary, summarize, type Plan } from '@gridfold/core';
import { studyCurves } from '@gridfold/queue';
import type { AggregateJobData } from '@gridfold/queue';
import { datasetFor, log, planFor, storeFor } from './context.js';

/** Folds the stored task results into cv_results and the best cell (and out-of-fold metrics). */
export async function processAggregate(data: AggregateJobData): Promise<unknown> {
  const { experimentId: id, prefix, generation, fingerprint } = data;
  const store = storeFor(prefix);
  if (store.isTerminal(await store.status(id))) return { skipped: true };
  const plan = await planFor(store, id);
  if (plan.search.kind === 'tpe') return aggregateStudy(plan, id, prefix, generation);
  const results = plan.oof ? await store.taskResultsWithOof(id) : await store.taskResults(id);
  const reasons = Object.fromEntries(Object.entries(await store.taskErrors(id)).map(([k, v]) => [Number(k), v]));
  try {
    if (plan.tasks.length > 0 && results.length === 0) throw new Error(`every task failed; first reason: ${Object.values(reasons)[0] ?? 'unknown'}`);
    const summary = summarize(plan, plan.oof ? await datasetFor(plan, prefix, fingerprint) : null, results, reasons);
    if (!(await store.saveSummary(id, generation, summary.summary, summary.metrics))) {
      log.warn({ experiment: id, generation }, `aggregate refused: the experiment was retried since generation ${generation} began`);
      return { refused: 'stale-generation', generation };
    }
    log.info({ experiment: id, tasks: results.length, best: summary.summary.best_params }, 'aggregated');
    return { best_index: summary.summary.best_index, best_score: summary.summary.best_score };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await store.finish(id, 'failed', { error: message, generation });
    log.error({ experiment: id, err: message }, 'aggregate failed');
    return { failed: message };
  }
}

/** A study's cv_results: its trials in order, with how each ended and every report. */
async function aggregateStudy(plan: Plan, id: string, prefix: string, generation: number): Promise<unknown> {
  const store = storeFor(prefix);
  const study = store.study();
  const [trials, results, reports] = await Promise.all([study.trials(id), store.taskResults(id), study.reports(id)]);
  const summary = studySummary(plan, trials, results, studyCurves(reports.curves));
  if (summary.best_index === null) {
    const message = `no trial of the study completed (${trials.filter((t) => t.state === 'pruned').length} pruned, ${trials.filter((t) => t.state === 'failed').length} failed)`;
    await store.finish(id, 'failed', { error: message, generation });
    return { failed: message };
  }
  if (!(await store.saveSummary(id, generation, summary, {}))) return { refused: 'stale-generation', generation };
  log.info({ experiment: id, trials: trials.length, best: summary.best_params }, 'study aggregated');
  return { best_index: summary.best_index, best_score: summary.best_score };
}
