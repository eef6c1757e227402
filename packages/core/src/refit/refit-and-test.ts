import type { SearchSummary } from '../aggregate/aggregate.js';
import { headSplit, type Dataset } from '../datasets/load.js';
import type { Params } from '../estimators/base.js';
import { buildEstimator } from '../estimators/registry.js';
import { fittedBackend } from '../evaluate/fit-and-score.js';
import { Matrix } from '../matrix.js';
import { PREDICTION_METRICS } from '../metrics/by-name.js';
import { meanSquaredError } from '../metrics/mean-squared-error.js';
import { isObjective } from '../plugins/objective.js';
import type { Plan } from '../plan/plan.js';

/** Test metrics of the refit estimator, and how long refit and test took (milliseconds). */
export interface RefitResult {
  test: Record<string, number> | null;
  /**
   * The first test rows: index, input, target and prediction (when `refit.examples` > 0);
   * a class is its name when the labels were text (`classes`).
   */
  examples?: Array<{ index: number; input: number[]; target: number | string | number[]; prediction: number | string | number[] }>;
  /** The dataset's class names (`Dataset.classes`): what the refit estimator's class codes stand for. */
  classes?: string[];
  /** Time of this run's refit: the cache look-up when `cached`. */
  refit_ms: number;
  /** Time of this run's test scoring: 0 when `cached`. */
  test_ms: number;
  /** True when reused from the task cache (see cachedRefit). */
  cached?: boolean;
  train_rows: number;
  /** The compute backend the refit ran on, for estimators that have one (MLPClassifier). */
  backend?: string;
  /** An objective's reports during the refit, [step, value]. */
  curve?: Array<[number, number]>;
}

/** The params to refit: the best cell, or the only cell when there is no cross-validation. */
export function paramsToRefit(plan: Pick<Plan, 'cv' | 'grid'>, summary: Pick<SearchSummary, 'best_params'>): Params | null {
  return plan.cv ? summary.best_params : plan.grid.at(0);
}

/**
 * GridSearchCV's refit, then `score(X_test, y_test)`: fits the best params on the first
 * `refit.subset` training rows (all by default) and computes the plan's test metrics.
 * @throws Error for a plan without refit.
 */
export async function refitAndTest(plan: Pick<Plan, 'refit' | 'estimator'>, dataset: Dataset, params: Params, signal?: AbortSignal): Promise<RefitResult> {
  const refit = plan.refit;
  if (!refit) throw new Error('refitAndTest called for a plan with refit: false');
  const train = headSplit(dataset.train, refit.subset);
  const t0 = performance.now();
  const est = buildEstimator(plan.estimator, params);
  if (isObjective(est)) {
    // The objective trains on the training rows and scores on the test split (when there is one) in one call.
    const out = await est.evaluate({ train, validation: dataset.test, fold: null }, signal);
    const test = { score: out.score, ...out.metrics };
    return { test, refit_ms: performance.now() - t0, test_ms: 0, train_rows: train.X.rows, ...(out.curve && { curve: out.curve }) };
  }
  await est.fit(train.X, train.y);
  const refitMs = performance.now() - t0;
  const backend = fittedBackend(est);
  const classes = dataset.classes;
  if (!dataset.test) return { test: null, refit_ms: refitMs, test_ms: 0, train_rows: train.X.rows, ...(backend && { backend }), ...(classes && { classes }) };
  const t1 = performance.now();
  const { X, y } = dataset.test;
  const pred = await est.predict(X);
  const test: Record<string, number> = {};
  for (const metric of refit.metrics) {
    // The error of doing nothing: the noisy input against the clean target.
    test[metric] = metric === 'noisy_mean_squared_error' ? meanSquaredError(y as Matrix, X) : PREDICTION_METRICS[metric](y, pred);
  }
  const label = (code: number) => (classes ? classes[code] : code);
  const examples = Array.from({ length: Math.min(refit.examples, X.rows) }, (_, i) => ({
    index: i,
    input: Array.from(X.row(i)),
    target: y instanceof Matrix ? Array.from(y.row(i)) : label(y[i]),
    prediction: pred instanceof Matrix ? Array.from(pred.row(i)) : label(pred[i]),
  }));
  return {
    test,
    ...(examples.length && { examples }),
    refit_ms: refitMs,
    test_ms: performance.now() - t1,
    train_rows: train.X.rows,
    ...(backend && { backend }),
    ...(classes && { classes }),
  };
}
