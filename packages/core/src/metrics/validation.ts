import { Matrix, type Target } from '../matrix.js';

/** scikit-learn's `type_of_target` values that gridfold's classification metrics handle. */
export type ClassificationKind = 'binary' | 'multiclass' | 'multilabel-indicator';

/** Targets after {@link checkTargets}: label vectors, or two 0/1 matrices of equal shape. */
export type CheckedTargets =
  | { kind: 'binary' | 'multiclass'; yTrue: Int32Array; yPred: Int32Array; labels: number[] }
  | { kind: 'multilabel-indicator'; yTrue: Matrix; yPred: Matrix; labels: number[] };

/** Sorted distinct values, as `np.unique`. */
export function uniqueSorted(...arrays: ArrayLike<number>[]): number[] {
  const seen = new Set<number>();
  for (const a of arrays) for (let i = 0; i < a.length; i++) seen.add(a[i]);
  return [...seen].sort((a, b) => a - b);
}

/** Throws unless both inputs have the same (non-zero) number of samples. */
export function checkSameLength(nTrue: number, nPred: number, predName = 'y_pred'): void {
  if (nTrue !== nPred) {
    throw new RangeError(`y_true and ${predName} have different lengths: ${nTrue} and ${nPred}`);
  }
  if (nTrue === 0) throw new RangeError('y_true is empty; metrics need at least one sample');
}

/** Throws on NaN or infinite values, as scikit-learn's `assert_all_finite`. */
export function checkFinite(values: ArrayLike<number>, name: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RangeError(`${name} must be finite, got ${values[i]} at index ${i}`);
    }
  }
}

function columnAsLabels(y: Matrix, name: string): Int32Array {
  const out = new Int32Array(y.rows);
  for (let i = 0; i < y.rows; i++) {
    const v = y.data[i];
    if (!Number.isInteger(v)) throw new TypeError(`${name} labels must be integers, got ${v} at row ${i}`);
    out[i] = v;
  }
  return out;
}

function kindOf(y: Target, name: string): { kind: ClassificationKind; y: Int32Array | Matrix } {
  if (!(y instanceof Matrix)) {
    return { kind: uniqueSorted(y).length <= 2 ? 'binary' : 'multiclass', y };
  }
  if (y.cols === 1) return kindOf(columnAsLabels(y, name), name);
  for (let i = 0; i < y.data.length; i++) {
    const v = y.data[i];
    if (v !== 0 && v !== 1) {
      throw new TypeError(
        `${name} is a ${y.rows}x${y.cols} matrix with value ${v}; only multilabel 0/1 matrices are ` +
          'supported by classification metrics (multioutput targets are not)',
      );
    }
  }
  return { kind: 'multilabel-indicator', y };
}

/**
 * scikit-learn's `_check_targets`: decides binary / multiclass / multilabel from both
 * inputs (a binary y_true with a third label in y_pred is multiclass) and refuses mixes.
 */
export function checkTargets(yTrue: Target, yPred: Target): CheckedTargets {
  const nTrue = yTrue instanceof Matrix ? yTrue.rows : yTrue.length;
  const nPred = yPred instanceof Matrix ? yPred.rows : yPred.length;
  checkSameLength(nTrue, nPred);
  const t = kindOf(yTrue, 'y_true');
  const p = kindOf(yPred, 'y_pred');
  const isLabels = (k: ClassificationKind) => k !== 'multilabel-indicator';
  if (isLabels(t.kind) !== isLabels(p.kind)) {
    throw new TypeError(`Classification metrics can't handle a mix of ${t.kind} (y_true) and ${p.kind} (y_pred) targets`);
  }
  if (t.y instanceof Matrix && p.y instanceof Matrix) {
    if (t.y.cols !== p.y.cols) {
      throw new RangeError(`multilabel y_true has ${t.y.cols} columns but y_pred has ${p.y.cols}`);
    }
    return { kind: 'multilabel-indicator', yTrue: t.y, yPred: p.y, labels: Array.from({ length: t.y.cols }, (_, j) => j) };
  }
  const yt = t.y as Int32Array;
  const yp = p.y as Int32Array;
  const labels = uniqueSorted(yt, yp);
  const kind = t.kind === 'multiclass' || p.kind === 'multiclass' || labels.length > 2 ? 'multiclass' : 'binary';
  return { kind, yTrue: yt, yPred: yp, labels };
}
