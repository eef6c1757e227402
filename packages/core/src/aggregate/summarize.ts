import type { Dataset } from '../datasets/load.js';
import type { TaskResult } from '../evaluate/task-result.js';
import type { Plan } from '../plan/plan.js';
import { aggregateResults, type SearchSummary } from './aggregate.js';
import { oofMetrics } from './oof-metrics.js';

/** Aggregated search results and out-of-fold metrics of a finished cross-validation. */
export interface Summary {
  summary: SearchSummary;
  metrics: Record<string, unknown>;
}

/**
 * The aggregate step: every task the plan expected is accounted for. A task with no
 * result (it failed every attempt, e.g. its dataset could not be read) becomes failed
 * cells scored per error_score, carrying `reasons[task]`; with error_score "raise" it
 * fails the experiment, as GridSearchCV would. `dataset` is needed for out-of-fold metrics only.
 */
export function summarize(plan: Plan, dataset: Dataset | null, results: TaskResult[], reasons: Record<number, string> = {}): Summary {
  const have = new Set(results.map((r) => r.task));
  const missing = plan.tasks.filter((t) => !have.has(t.index));
  if (missing.length && plan.errorScore === 'raise') {
    throw new Error(`task ${missing[0].index} (fold ${missing[0].fold}) failed: ${reasons[missing[0].index] ?? 'no result'}`);
  }
  const filled = results.concat(
    missing.map((t) => ({
      task: t.index,
      fold: t.fold,
      ms: 0,
      cells: t.cells.map((cell) => ({ cell, test_score: plan.errorScore as number | null, fit_ms: 0, score_ms: 0, error: reasons[t.index] ?? 'task produced no result' })),
    })),
  );
  const summary = aggregateResults(plan, filled);
  const metrics = dataset && missing.length === 0 ? oofMetrics(plan, dataset, results) : {};
  return { summary, metrics };
}
