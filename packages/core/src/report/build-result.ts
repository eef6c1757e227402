import type { Summary } from '../aggregate/summarize.js';
import type { Plan } from '../plan/plan.js';
import { paramsToRefit, type RefitResult } from '../refit/refit-and-test.js';
import type { ExperimentResult } from './result.js';

/** The one result object every runner returns (local, API, CLI). */
export function buildResult(args: { id: string; plan: Plan; summary: Summary; refit: RefitResult | null; timings: { total_ms: number; cv_ms: number } }): ExperimentResult {
  const { plan, summary: s, refit } = args;
  const cvBackends = s.summary.backends ?? [];
  return {
    id: args.id,
    name: plan.name,
    status: 'completed',
    cv_results: plan.cv ? s.summary.cv_results : null,
    best_params: paramsToRefit(plan, s.summary),
    best_score: s.summary.best_score,
    best_index: plan.cv ? s.summary.best_index : 0,
    ...(refit?.classes && { classes: refit.classes }),
    test: refit?.test ?? null,
    ...(refit?.examples && { test_examples: refit.examples }),
    metrics: s.metrics,
    errors: s.summary.errors,
    ...(s.summary.curves && { curves: s.summary.curves }),
    ...(refit?.curve && { refit_curve: refit.curve }),
    cache: { cells_reused: s.summary.cache?.reused ?? 0, cells_total: s.summary.cache?.total ?? 0, refit_reused: Boolean(refit?.cached) },
    ...((cvBackends.length > 0 || refit?.backend) && { backend: { cv: cvBackends, refit: refit?.backend ?? null } }),
    timings: { ...args.timings, refit_ms: refit?.refit_ms ?? 0, test_ms: refit?.test_ms ?? 0 },
    tasks: { done: s.summary.tasks_done, total: s.summary.tasks_total },
  };
}

/** An unfinished experiment's result (failed, or cancelled): the status and the reason, nothing else claimed. */
export function failedResult(id: string, name: string, error: string | undefined, totalMs: number, tasks = { done: 0, total: 0 }, status: 'failed' | 'cancelled' = 'failed'): ExperimentResult {
  return {
    id,
    name,
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
