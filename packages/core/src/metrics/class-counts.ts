import type { CheckedTargets } from './validation.js';

/** Per-label true-positive, predicted and true counts (scikit-learn's multilabel confusion matrix). */
export interface ClassCounts {
  labels: number[];
  tp: Float64Array;
  predicted: Float64Array;
  actual: Float64Array;
}

/**
 * Counts per label for `labels` (label values for label vectors, column indices for
 * multilabel matrices). Labels absent from the data get zero counts.
 */
export function countPerClass(t: CheckedTargets, labels: number[]): ClassCounts {
  const k = labels.length;
  const tp = new Float64Array(k);
  const predicted = new Float64Array(k);
  const actual = new Float64Array(k);
  if (t.kind === 'multilabel-indicator') {
    const { rows, cols } = t.yTrue;
    for (let c = 0; c < k; c++) {
      const j = labels[c];
      for (let i = 0; i < rows; i++) {
        const a = t.yTrue.data[i * cols + j];
        const p = t.yPred.data[i * cols + j];
        actual[c] += a;
        predicted[c] += p;
        tp[c] += a * p;
      }
    }
    return { labels, tp, predicted, actual };
  }
  const index = new Map<number, number>();
  labels.forEach((l, c) => index.set(l, c));
  for (let i = 0; i < t.yTrue.length; i++) {
    const a = index.get(t.yTrue[i]);
    const p = index.get(t.yPred[i]);
    if (a !== undefined) actual[a]++;
    if (p !== undefined) predicted[p]++;
    if (a !== undefined && a === p) tp[a]++;
  }
  return { labels, tp, predicted, actual };
}
