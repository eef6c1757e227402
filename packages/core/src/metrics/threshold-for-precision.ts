import { resolvePosLabel } from './binary-curve.js';
import { precisionRecallCurve, type CurveOptions } from './precision-recall-curve.js';

/** The operating point chosen by {@link thresholdForPrecision}. */
export interface PrecisionOperatingPoint {
  /** Precision of predicting `scores >= threshold`. */
  precision: number;
  /** The lowest curve threshold whose precision reaches the target. */
  threshold: number;
  /** Recall of predicting `scores >= threshold`. */
  recall: number;
}

/**
 * The seed notebooks' threshold choice: `idx = (precisions >= target).argmax();
 * threshold = thresholds[idx]`, then precision and recall of `scores >= threshold`.
 * Only points that have a threshold are considered (the curve's final precision = 1
 * point has none, where numpy would index out of range).
 *
 * @param targetPrecision - in (0, 1]
 * @throws if `targetPrecision` is outside (0, 1] or no threshold reaches it.
 */
export function thresholdForPrecision(
  yTrue: ArrayLike<number>,
  scores: ArrayLike<number>,
  targetPrecision: number,
  options: CurveOptions = {},
): PrecisionOperatingPoint {
  if (!(targetPrecision > 0 && targetPrecision <= 1)) {
    throw new RangeError(`targetPrecision must be in (0, 1], got ${targetPrecision}`);
  }
  const curve = precisionRecallCurve(yTrue, scores, options);
  const n = curve.thresholds.length;
  let idx = -1;
  let best = 0;
  for (let i = 0; i < n && idx < 0; i++) {
    if (curve.precision[i] >= targetPrecision) idx = i;
    best = Math.max(best, curve.precision[i]);
  }
  if (idx < 0) {
    throw new RangeError(
      `no threshold reaches precision >= ${targetPrecision}; the best precision over the ${n} thresholds is ${best}`,
    );
  }
  const threshold = curve.thresholds[idx];
  const pos = resolvePosLabel(yTrue, options.posLabel);
  let tp = 0;
  let predicted = 0;
  let positives = 0;
  for (let i = 0; i < scores.length; i++) {
    const isPos = yTrue[i] === pos;
    if (isPos) positives++;
    if (scores[i] >= threshold) {
      predicted++;
      if (isPos) tp++;
    }
  }
  return { precision: tp / predicted, threshold, recall: positives === 0 ? 0 : tp / positives };
}
