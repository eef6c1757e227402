import { headSplit, type Dataset } from '../datasets/load.js';
import type { Params } from '../estimators/base.js';
import { buildEstimator } from '../estimators/registry.js';
import { Matrix } from '../matrix.js';
import { accuracyScore, f1Score, meanSquaredError, precisionScore, recallScore } from '../metrics/index.js';
import type { ExperimentSpec } from '../spec/schema.js';
import { fittedBackend } from './fit-and-score.js';

/** Test metrics of the refit estimator, and how long refit and test took (milliseconds). */
export interface RefitResult {
  test: Record<string, number> | null;
  /** The first test rows: index, input, target and prediction (when `refit.examples` > 0). */
  examples?: Array<{ index: number; input: number[]; target: number | number[]; prediction: number | number[] }>;
  refit_ms: number;
  test_ms: number;
  /** True when reused from the task cache (see cachedRefit). */
  cached?: boolean;
  train_rows: number;
  /** The compute backend the refit ran on, for estimators that have one (MLPClassifier). */
  backend?: string;
}

/**
 * GridSearchCV's refit, then `score(X_test, y_test)`: fits the best params on the first
 * `refit.subset` training rows (all by default) and computes the requested test metrics.
 */
export async function refitAndTest(spec: ExperimentSpec, dataset: Dataset, params: Params): Promise<RefitResult> {
  const refit = spec.refit === true ? { subset: null, metrics: defaultMetrics(spec), examples: 0 } : spec.refit;
  if (refit === false) throw new Error('refitAndTest called for a spec with refit: false');
  const train = headSplit(dataset.train, refit.subset);
  const t0 = performance.now();
  const est = buildEstimator(spec.estimator, params);
  await est.fit(train.X, train.y);
  const refitMs = performance.now() - t0;
  const backend = fittedBackend(est);
  if (!dataset.test) return { test: null, refit_ms: refitMs, test_ms: 0, train_rows: train.X.rows, ...(backend && { backend }) };
  const t1 = performance.now();
  const { X, y } = dataset.test;
  const pred = await est.predict(X);
  const test: Record<string, number> = {};
  for (const metric of refit.metrics) {
    switch (metric) {
      case 'accuracy':
        test.accuracy = accuracyScore(y, pred);
        break;
      case 'f1':
      case 'precision':
      case 'recall': {
        const f = metric === 'f1' ? f1Score : metric === 'precision' ? precisionScore : recallScore;
        test[metric] = f(y, pred, { average: 'binary' }) as number;
        break;
      }
      case 'f1_macro':
      case 'f1_weighted':
        test[metric] = f1Score(y, pred, { average: metric === 'f1_macro' ? 'macro' : 'weighted' }) as number;
        break;
      case 'mean_squared_error':
        test.mean_squared_error = meanSquaredError(y as Matrix, pred as Matrix);
        break;
      case 'noisy_mean_squared_error':
        // The error of doing nothing: the noisy input against the clean target.
        test.noisy_mean_squared_error = meanSquaredError(y as Matrix, X);
        break;
    }
  }
  const examples = Array.from({ length: Math.min(refit.examples, X.rows) }, (_, i) => ({
    index: i,
    input: Array.from(X.row(i)),
    target: y instanceof Matrix ? Array.from(y.row(i)) : y[i],
    prediction: pred instanceof Matrix ? Array.from(pred.row(i)) : pred[i],
  }));
  return {
    test,
    ...(examples.length && { examples }),
    refit_ms: refitMs,
    test_ms: performance.now() - t1,
    train_rows: train.X.rows,
    ...(backend && { backend }),
  };
}

function defaultMetrics(spec: ExperimentSpec): Array<'accuracy' | 'mean_squared_error' | 'noisy_mean_squared_error'> {
  return spec.dataset.target?.kind === 'denoise' ? ['mean_squared_error', 'noisy_mean_squared_error'] : ['accuracy'];
}
