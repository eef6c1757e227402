import { binaryCounts } from './binary-curve.js';
import { emitMetricWarning, type WarningHandler } from './warnings.js';

/** Options of {@link precisionRecallCurve} and {@link thresholdForPrecision}. */
export interface CurveOptions {
  /** The positive class. @defaultValue 1 (y_true must then use {0, 1} or {-1, 1}) */
  posLabel?: number;
  /** Receives UndefinedMetricWarning-style messages. @defaultValue a Node process warning */
  onWarning?: WarningHandler;
}

/**
 * A precision-recall curve as scikit-learn 1.2 returns it: `thresholds` increasing (one
 * per distinct score), `precision[i]` / `recall[i]` for predicting `score >= thresholds[i]`,
 * plus a final point precision = 1, recall = 0 that has no threshold.
 */
export interface PrecisionRecallCurve {
  precision: Float64Array;
  recall: Float64Array;
  thresholds: Float64Array;
}

/**
 * scikit-learn 1.2.1's `precision_recall_curve` for a binary problem. Unlike releases
 * before 1.1 it keeps every distinct threshold (it does not stop at full recall).
 *
 * @throws on mismatched lengths, empty input, non-finite scores, or y_true that is not
 *   binary without `posLabel`.
 */
export function precisionRecallCurve(yTrue: ArrayLike<number>, scores: ArrayLike<number>, options: CurveOptions = {}): PrecisionRecallCurve {
  const { fps, tps, thresholds } = binaryCounts(yTrue, scores, options.posLabel);
  const m = tps.length;
  const totalPositives = tps[m - 1];
  if (totalPositives === 0) {
    (options.onWarning ?? emitMetricWarning)('No positive class found in y_true, recall is set to one for all thresholds.');
  }
  const precision = new Float64Array(m + 1);
  const recall = new Float64Array(m + 1);
  const increasing = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const j = m - 1 - i;
    const predicted = tps[j] + fps[j];
    precision[i] = predicted === 0 ? 0 : tps[j] / predicted;
    recall[i] = totalPositives === 0 ? 1 : tps[j] / totalPositives;
    increasing[i] = thresholds[j];
  }
  precision[m] = 1;
  recall[m] = 0;
  return { precision, recall, thresholds: increasing };
}
