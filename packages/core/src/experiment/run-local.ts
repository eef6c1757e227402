import { randomUUID } from 'node:crypto';
import { loadDataset } from '../datasets/load.js';
import { aggregateResults } from '../search/aggregate.js';
import { fitAndScore, type TaskResult } from '../search/fit-and-score.js';
import { oofMetrics } from '../search/oof-metrics.js';
import { planTasks } from '../search/plan.js';
import { refitAndTest } from '../search/refit.js';
import { checkSpec } from './check.js';
import type { ExperimentResult } from './result.js';

/** Options for {@link runExperiment}. */
export interface RunOptions {
  /** Experiment id; a random UUID by default. */
  id?: string;
  /** Called after each task and at each stage, for progress bars. */
  onProgress?: (p: { done: number; total: number; stage: 'cv' | 'refit' | 'done' }) => void;
}

/**
 * Runs a whole experiment in this process: check spec → plan → fit/score every task →
 * aggregate → out-of-fold metrics → refit + test. The distributed runner calls the same
 * pieces from its jobs. A spec error throws SpecError; a failure while running returns a
 * result with status "failed" and the reason.
 */
export async function runExperiment(input: unknown, options: RunOptions = {}): Promise<ExperimentResult> {
  const spec = checkSpec(input);
  const id = options.id ?? randomUUID();
  const started = performance.now();
  const plan = planTasks(spec);
  const result: ExperimentResult = {
    id,
    name: spec.name,
    status: 'running',
    cv_results: null,
    best_params: null,
    best_score: null,
    best_index: null,
    test: null,
    metrics: {},
    errors: [],
    timings: { total_ms: 0, cv_ms: 0, refit_ms: 0, test_ms: 0 },
    tasks: { done: 0, total: plan.tasks.length },
  };
  try {
    const dataset = await loadDataset(spec.dataset);
    const results: TaskResult[] = [];
    for (const task of plan.tasks) {
      results.push(await fitAndScore(spec, dataset, plan, task));
      options.onProgress?.({ done: results.length, total: plan.tasks.length, stage: 'cv' });
    }
    const summary = aggregateResults(plan, results);
    result.timings.cv_ms = performance.now() - started;
    Object.assign(result, {
      cv_results: plan.cv ? summary.cv_results : null,
      best_index: plan.cv ? summary.best_index : 0,
      best_params: plan.cv ? summary.best_params : plan.grid.at(0),
      best_score: summary.best_score,
      errors: summary.errors,
      tasks: { done: summary.tasks_done, total: summary.tasks_total },
      metrics: oofMetrics(spec, dataset, plan, results),
    });
    if (spec.refit !== false) {
      if (result.best_params === null) throw new Error('every cell failed; nothing to refit (see errors)');
      options.onProgress?.({ done: plan.tasks.length, total: plan.tasks.length, stage: 'refit' });
      const refit = await refitAndTest(spec, dataset, result.best_params);
      result.test = refit.test;
      result.timings.refit_ms = refit.refit_ms;
      result.timings.test_ms = refit.test_ms;
    }
    result.status = 'completed';
  } catch (err) {
    result.status = 'failed';
    result.error = err instanceof Error ? err.message : String(err);
  }
  result.timings.total_ms = performance.now() - started;
  options.onProgress?.({ done: plan.tasks.length, total: plan.tasks.length, stage: 'done' });
  return result;
}
