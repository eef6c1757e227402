import type { Target } from '../matrix.js';
import { checkTargets } from './validation.js';

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions {
  /**
   * Labels indexing the rows and columns, in this order; samples whose true or predicted
   * label is not listed are left out.
   * @defaultValue the sorted labels present in y_true or y_pred
   */
  labels?: ArrayLike<number>;
  /**
   * Divide by the row sums (`'true'`), column sums (`'pred'`) or the total (`'all'`);
   * empty rows/columns give 0, as scikit-learn's `nan_to_num`.
   * @defaultValue raw counts
   */
  normalize?: 'true' | 'pred' | 'all';
}

/** A confusion matrix: `matrix[i][j]` counts samples of true label `labels[i]` predicted as `labels[j]`. */
export interface ConfusionMatrixResult {
  labels: number[];
  matrix: number[][];
}

/**
 * scikit-learn's `confusion_matrix` for binary and multiclass label vectors.
 *
 * @throws on multilabel input, mismatched lengths, empty `labels`, `labels` sharing
 *   nothing with y_true, or an unknown `normalize`.
 */
export function confusionMatrix(yTrue: Target, yPred: Target, options: ConfusionMatrixOptions = {}): ConfusionMatrixResult {
  const { normalize } = options;
  if (normalize !== undefined && !['true', 'pred', 'all'].includes(normalize)) {
    throw new RangeError(`normalize must be one of 'true', 'pred', 'all' or undefined, got ${JSON.stringify(normalize)}`);
  }
  const t = checkTargets(yTrue, yPred);
  if (t.kind === 'multilabel-indicator') {
    throw new TypeError('confusionMatrix supports binary and multiclass targets, got multilabel-indicator');
  }
  let labels = t.labels;
  if (options.labels !== undefined) {
    labels = Array.from(options.labels);
    if (labels.length === 0) throw new RangeError("'labels' should contain at least one label, got []");
    const inTrue = new Set(t.yTrue);
    if (!labels.some((l) => inTrue.has(l))) {
      throw new RangeError(`At least one label specified must be in y_true, got labels [${labels.join(', ')}]`);
    }
  }
  const index = new Map<number, number>();
  labels.forEach((l, i) => index.set(l, i));
  const n = labels.length;
  const cm = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let s = 0; s < t.yTrue.length; s++) {
    const i = index.get(t.yTrue[s]);
    const j = index.get(t.yPred[s]);
    if (i !== undefined && j !== undefined) cm[i][j]++;
  }
  if (normalize === undefined) return { labels, matrix: cm };
  // Raw counts are integers, so these sums are exact whatever the order.
  const rowSums = cm.map((row) => row.reduce((a, b) => a + b, 0));
  const colSums = labels.map((_, j) => cm.reduce((a, row) => a + row[j], 0));
  const total = rowSums.reduce((a, b) => a + b, 0);
  const divide = (v: number, d: number) => (d === 0 ? 0 : v / d);
  const matrix = cm.map((row, i) =>
    row.map((v, j) => divide(v, normalize === 'true' ? rowSums[i] : normalize === 'pred' ? colSums[j] : total)),
  );
  return { labels, matrix };
}
