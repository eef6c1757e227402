import { Matrix } from '../matrix.js';
import { binaryCounts } from './binary-curve.js';
import { numpyMean, pairwiseSum } from './numpy-sum.js';
import { uniqueSorted } from './validation.js';
import { emitMetricWarning, type WarningHandler } from './warnings.js';

/** Options of {@link rocCurve}. */
export interface RocCurveOptions {
  /** The positive class. @defaultValue 1 (y_true must then use {0, 1} or {-1, 1}) */
  posLabel?: number;
  /** Drop thresholds whose point is collinear with its neighbours. @defaultValue true */
  dropIntermediate?: boolean;
  /** Receives UndefinedMetricWarning-style messages. @defaultValue a Node process warning */
  onWarning?: WarningHandler;
}

/** An ROC curve: `fpr[i]`, `tpr[i]` for predicting `score >= thresholds[i]` (thresholds decreasing). */
export interface RocCurve {
  fpr: Float64Array;
  tpr: Float64Array;
  thresholds: Float64Array;
}

/**
 * scikit-learn 1.2.1's `roc_curve`. The curve starts at (0, 0) with threshold
 * `max(score) + 1` (1.3 later changed this to +Infinity). Rates are NaN, with a warning,
 * when y_true has no negatives (fpr) or no positives (tpr).
 */
export function rocCurve(yTrue: ArrayLike<number>, scores: ArrayLike<number>, options: RocCurveOptions = {}): RocCurve {
  const { dropIntermediate = true, onWarning = emitMetricWarning } = options;
  let { fps, tps, thresholds } = binaryCounts(yTrue, scores, options.posLabel);
  if (dropIntermediate && fps.length > 2) {
    const keep: number[] = [0];
    for (let i = 1; i < fps.length - 1; i++) {
      const corner = fps[i + 1] - fps[i] - (fps[i] - fps[i - 1]) !== 0 || tps[i + 1] - tps[i] - (tps[i] - tps[i - 1]) !== 0;
      if (corner) keep.push(i);
    }
    keep.push(fps.length - 1);
    const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]);
    [fps, tps, thresholds] = [pick(fps), pick(tps), pick(thresholds)];
  }
  const m = fps.length + 1;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  const outThresholds = new Float64Array(m);
  outThresholds[0] = thresholds[0] + 1;
  outThresholds.set(thresholds, 1);
  const negatives = fps[fps.length - 1];
  const positives = tps[tps.length - 1];
  if (negatives <= 0) onWarning('No negative samples in y_true, false positive value should be meaningless');
  if (positives <= 0) onWarning('No positive samples in y_true, true positive value should be meaningless');
  for (let i = 1; i < m; i++) {
    fpr[i] = negatives <= 0 ? NaN : fps[i - 1] / negatives;
    tpr[i] = positives <= 0 ? NaN : tps[i - 1] / positives;
  }
  if (negatives <= 0) fpr[0] = NaN;
  if (positives <= 0) tpr[0] = NaN;
  return { fpr, tpr, thresholds: outThresholds };
}

/** Area under a curve by the trapezoidal rule (`sklearn.metrics.auc`); x must be monotone. */
export function auc(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new RangeError(`x and y have different lengths: ${x.length} and ${y.length}`);
  if (x.length < 2) throw new RangeError(`At least 2 points are needed to compute area under curve, but x.shape = ${x.length}`);
  let direction = 1;
  const parts = new Float64Array(x.length - 1);
  let anyDecrease = false;
  let anyIncrease = false;
  for (let i = 0; i < parts.length; i++) {
    const dx = x[i + 1] - x[i];
    if (dx < 0) anyDecrease = true;
    if (dx > 0) anyIncrease = true;
    parts[i] = (dx * (y[i + 1] + y[i])) / 2.0;
  }
  if (anyDecrease) {
    if (anyIncrease) throw new RangeError('x is neither increasing nor decreasing');
    direction = -1;
  }
  return direction * pairwiseSum(parts);
}

function binaryRocAuc(yTrue: ArrayLike<number>, scores: ArrayLike<number>): number {
  const classes = uniqueSorted(yTrue);
  if (classes.length === 1) {
    throw new RangeError(`Only one class present in y_true (${classes[0]}). ROC AUC score is not defined in that case.`);
  }
  if (classes.length > 2) {
    throw new RangeError(`rocAucScore supports binary and multilabel targets; y_true has ${classes.length} classes [${classes.join(', ')}]`);
  }
  // As label_binarize: the larger of the two labels is the positive class.
  const binary = Int32Array.from(yTrue, (v) => (v === classes[1] ? 1 : 0));
  const { fpr, tpr } = rocCurve(binary, scores);
  return auc(fpr, tpr);
}

/**
 * ROC AUC as scikit-learn's `roc_auc_score`: the trapezoidal area under {@link rocCurve}
 * for binary labels (the larger label is positive), or the macro average over columns
 * for a multilabel 0/1 matrix with a score matrix of the same shape.
 *
 * @throws if y_true has a single class (or a multilabel column does), or more than two.
 */
export function rocAucScore(yTrue: ArrayLike<number> | Matrix, scores: ArrayLike<number> | Matrix): number {
  if (!(yTrue instanceof Matrix) && !(scores instanceof Matrix)) return binaryRocAuc(yTrue, scores);
  if (!(yTrue instanceof Matrix) || !(scores instanceof Matrix) || yTrue.rows !== scores.rows || yTrue.cols !== scores.cols) {
    const shape = (a: ArrayLike<number> | Matrix) => (a instanceof Matrix ? `${a.rows}x${a.cols}` : `${a.length}`);
    throw new RangeError(`multilabel y_true and scores must be matrices of the same shape, got ${shape(yTrue)} and ${shape(scores)}`);
  }
  const perColumn = new Float64Array(yTrue.cols);
  const yc = new Float64Array(yTrue.rows);
  const sc = new Float64Array(yTrue.rows);
  for (let j = 0; j < yTrue.cols; j++) {
    for (let i = 0; i < yTrue.rows; i++) {
      yc[i] = yTrue.get(i, j);
      sc[i] = scores.get(i, j);
    }
    perColumn[j] = binaryRocAuc(yc, sc);
  }
  return numpyMean(perColumn);
}
