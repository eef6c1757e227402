import type { Dataset } from '../datasets/load.js';
import type { Params } from '../estimators/base.js';
import { aggregateResults, type SearchSummary } from '../search/aggregate.js';
import type { TaskResult } from '../search/fit-and-score.js';
import { oofMetrics } from '../search/oof-metrics.js';
import type { Plan } from '../search/plan.js';
import type { RefitResult } from '../search/refit.js';
import type { ExperimentSpec } from '../spec/schema.js';
import type { ExperimentResult } from './result.js';

/** Aggregated search results and out-of-fold metrics of a finished cross-validation. */
export interface Summary {
  summary: SearchSummary;
  metrics: Record<string, unknown>;
}

/**
 * The aggregate step: every task the plan expected is accounted for. A task with no
 * result (it failed every attempt, e.g. its dataset could not be read) becomes failed
 * cells scored per error_score, carrying `reasons[task]`; with error_score "raise" it
 * fails the experiment, as GridSearchCV would.
 */
export function summarize(spec: ExperimentSpec, dataset: Dataset | null, plan: Plan, results: TaskResult[], reasons: Record<number, string> = {}): Summary {
  const have = new Set(results.map((r) => r.task));
  const missing = plan.tasks.filter((t) => !have.has(t.index));
  if (missing.length && spec.error_score === 'raise') {
    throw new Error(`task ${missing[0].index} (fold ${missing[0].fold}) failed: ${reasons[missing[0].index] ?? 'no result'}`);
  }
  const filled = results.concat(
    missing.map((t) => ({
      task: t.index,
      fold: t.fold,
      ms: 0,
      cells: t.cells.map((cell) => ({ cell, test_score: spec.error_score as number | null, fit_ms: 0, score_ms: 0, error: reasons[t.index] ?? 'task produced no result' })),
    })),
  );
  const summary = aggregateResults(plan, filled);
  const metrics = dataset && missing.length === 0 ? oofMetrics(spec, dataset, plan, results) : {};
  return { summary, metrics };
}

/** The params to refit: the best cell, or the only cell when there is no cross-validation. */
export function paramsToRefit(plan: Plan, summary: SearchSummary): Params | null {
  return plan.cv ? summary.best_params : plan.grid.at(0);
}

/** The one result object every runner returns (local, API, CLI). */
export function buildResult(args: {
  id: string;
  spec: ExperimentSpec;
  plan: Plan;
  summary: Summary;
  refit: RefitResult | null;
  timings: { total_ms: number; cv_ms: number };
}): ExperimentResult {
  const { plan, summary: s, refit } = args;
  const cvBackends = s.summary.backends ?? [];
  return {
    id: args.id,
    name: args.spec.name,
    status: 'completed',
    cv_results: plan.cv ? s.summary.cv_results : null,
    best_params: paramsToRefit(plan, s.summary),
    best_score: s.summary.best_score,
    best_index: plan.cv ? s.summary.best_index : 0,
    test: refit?.test ?? null,
    ...(refit?.examples && { test_examples: refit.examples }),
    metrics: s.metrics,
    errors: s.summary.errors,
    cache: { cells_reused: s.summary.cache?.reused ?? 0, cells_total: s.summary.cache?.total ?? 0, refit_reused: Boolean(refit?.cached) },
    ...((cvBackends.length > 0 || refit?.backend) && { backend: { cv: cvBackends, refit: refit?.backend ?? null } }),
    timings: { ...args.timings, refit_ms: refit?.refit_ms ?? 0, test_ms: refit?.test_ms ?? 0 },
    tasks: { done: s.summary.tasks_done, total: s.summary.tasks_total },
  };
}

/** An unfinished experiment's result (failed, or cancelled): the status and the reason, nothing else claimed. */
export function failedResult(id: string, spec: { name: string }, error: string | undefined, totalMs: number, tasks = { done: 0, total: 0 }, status: 'failed' | 'cancelled' = 'failed'): ExperimentResult {
  return {
    id,
    name: spec.name,
    status,
    error,
    cv_results: null,
    best_params: null,
    best_score: null,
    best_index: null,
    test: null,
    metrics: {},
    errors: [],
    timings: { total_ms: totalMs, cv_ms: 0, refit_ms: 0, test_ms: 0 },
    tasks,
  };
}
