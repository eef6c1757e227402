import type { Matrix, Target } from '../matrix.js';
import { accuracyScore } from './accuracy.js';
import { meanSquaredError } from './mean-squared-error.js';
import { f1Score, precisionScore, recallScore } from './precision-recall-fscore.js';

/** Metrics computed from predictions (`y_pred`), by scikit-learn name. */
export const PREDICTION_METRICS = {
  accuracy: (y: Target, p: Target) => accuracyScore(y, p),
  precision: (y: Target, p: Target) => precisionScore(y, p, { average: 'binary' }),
  recall: (y: Target, p: Target) => recallScore(y, p, { average: 'binary' }),
  f1: (y: Target, p: Target) => f1Score(y, p, { average: 'binary' }),
  f1_macro: (y: Target, p: Target) => f1Score(y, p, { average: 'macro' }),
  f1_weighted: (y: Target, p: Target) => f1Score(y, p, { average: 'weighted' }),
  mean_squared_error: (y: Target, p: Target) => meanSquaredError(y as Matrix, p as Matrix),
} as const satisfies Record<string, (yTrue: Target, yPred: Target) => number>;

/** Name of a metric computed from predictions. */
export type PredictionMetric = keyof typeof PREDICTION_METRICS;

/** Prediction metrics that score one positive class, so need a binary target. */
export const BINARY_METRICS: readonly PredictionMetric[] = ['precision', 'recall', 'f1'];

/** Whether `name` is a metric computed from predictions. */
export function isPredictionMetric(name: string): name is PredictionMetric {
  return Object.hasOwn(PREDICTION_METRICS, name);
}
