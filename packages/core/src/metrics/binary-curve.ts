import { checkFinite, checkSameLength, uniqueSorted } from './validation.js';

/** Cumulative counts at each distinct score, highest score first (scikit-learn's `_binary_clf_curve`). */
export interface BinaryCounts {
  /** Negatives with score >= thresholds[i]; the last entry is the number of negatives. */
  fps: Float64Array;
  /** Positives with score >= thresholds[i]; the last entry is the number of positives. */
  tps: Float64Array;
  /** Distinct scores, decreasing. */
  thresholds: Float64Array;
}

/**
 * scikit-learn's `_check_pos_label_consistency`: without an explicit positive label,
 * y_true must use {0, 1} or {-1, 1} (or one of those values) and the positive class is 1.
 */
export function resolvePosLabel(yTrue: ArrayLike<number>, posLabel: number | undefined): number {
  const classes = uniqueSorted(yTrue);
  if (posLabel !== undefined) return posLabel;
  const key = classes.join(',');
  if (!['0,1', '-1,1', '0', '-1', '1'].includes(key)) {
    throw new RangeError(
      `y_true takes value in {${classes.join(', ')}} and posLabel is not specified: either make y_true take value in {0, 1} or {-1, 1} or pass posLabel explicitly.`,
    );
  }
  return 1;
}

/**
 * Counts of positives and negatives scored at or above each distinct score, in
 * O(n log n) with typed arrays. Ties share one threshold; their order does not matter
 * because only the count at the end of each tie group is kept.
 *
 * @throws on mismatched lengths, empty input, non-finite scores, or y_true with more
 *   than two classes and no `posLabel`.
 */
export function binaryCounts(yTrue: ArrayLike<number>, scores: ArrayLike<number>, posLabel?: number): BinaryCounts {
  checkSameLength(yTrue.length, scores.length, 'scores');
  checkFinite(scores, 'scores');
  const classes = uniqueSorted(yTrue);
  if (classes.length > 2 && posLabel === undefined) {
    throw new RangeError(
      `y_true has ${classes.length} classes [${classes.join(', ')}]; a binary curve needs at most 2, or an explicit posLabel`,
    );
  }
  const pos = resolvePosLabel(yTrue, posLabel);
  const n = scores.length;
  const s = Float64Array.from(scores);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => s[b] - s[a]);
  const fps = new Float64Array(n);
  const tps = new Float64Array(n);
  const thresholds = new Float64Array(n);
  let m = 0;
  let tp = 0;
  for (let i = 0; i < n; i++) {
    if (yTrue[order[i]] === pos) tp++;
    const score = s[order[i]];
    if (i === n - 1 || s[order[i + 1]] !== score) {
      tps[m] = tp;
      fps[m] = 1 + i - tp;
      thresholds[m] = score;
      m++;
    }
  }
  return { fps: fps.slice(0, m), tps: tps.slice(0, m), thresholds: thresholds.slice(0, m) };
}
