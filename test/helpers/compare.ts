import type { ExperimentResult } from '@gridfold/core';

/** cv_results without the wall-clock columns (`*_time`), which differ run to run. */
export function scoresOnly(cv: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries((cv ?? {}) as Record<string, unknown>).filter(([k]) => !k.includes('_time')));
}

/** Everything in a result that must be identical between two runs of the same spec. */
export function comparable(r: ExperimentResult) {
  return { status: r.status, cv_results: scoresOnly(r.cv_results), best_params: r.best_params, best_score: r.best_score, best_index: r.best_index, test: r.test, metrics: r.metrics, errors: r.errors };
}
