import { headSplit, type Dataset } from '../datasets/load.js';
import { RandomState } from '../random/numpy-random-state.js';
import { Matrix, takeTarget, type Target } from '../matrix.js';
import { makeSplitter } from './make-splitter.js';

/** Cross-validation settings, fully resolved (an int `cv` in a spec expanded as scikit-learn does). */
export interface ResolvedCv {
  kind: 'stratified' | 'kfold';
  n_splits: number;
  shuffle: boolean;
  random_state: number | null;
  /** Cross-validation on the first `subset` training rows; null: all of them. */
  subset: number | null;
  /**
   * Successive halving's subsample of every fold: `n_resources` of the `n_samples` CV rows,
   * drawn from each fold's train and test indices as scikit-learn's resample(random_state) does.
   */
  resample?: { n_resources: number; n_samples: number; random_state: number };
}

/** One fold's data: training rows, and test rows with their indices in the training split. */
export interface FoldData {
  train: { X: Matrix; y: Target };
  test: { X: Matrix; y: Target; indices: Int32Array };
}

/** Rows available to cross-validation: the first `cv.subset` training rows, or all. */
export function cvRows(dataset: Dataset, cv: ResolvedCv): number {
  return cv.subset == null ? dataset.train.X.rows : Math.min(cv.subset, dataset.train.X.rows);
}

/** Rebuilds fold `fold` deterministically from the CV settings: nothing but indices travel. */
export function foldData(dataset: Dataset, cv: ResolvedCv, fold: number): FoldData {
  const data = headSplit(dataset.train, cv.subset);
  const splitter = makeSplitter(cv);
  const folds = splitter.split(data.y instanceof Matrix ? data.X.rows : data.y);
  let { train, test } = folds[fold];
  if (cv.resample) {
    const fraction = cv.resample.n_resources / cv.resample.n_samples;
    train = resampleIndices(train, Math.trunc(fraction * train.length), cv.resample.random_state);
    test = resampleIndices(test, Math.trunc(fraction * test.length), cv.resample.random_state);
  }
  return {
    train: { X: data.X.take(train), y: takeTarget(data.y, train) },
    test: { X: data.X.take(test), y: takeTarget(data.y, test), indices: test },
  };
}

/**
 * scikit-learn's `resample(idx, replace=False, n_samples=n, random_state=seed)`: a fresh
 * numpy RandomState(seed) shuffles positions, the first n are kept (in shuffled order).
 */
export function resampleIndices(idx: Int32Array, n: number, seed: number): Int32Array {
  return Int32Array.from(new RandomState(seed).permutation(idx.length).subarray(0, n), (i) => idx[i]);
}
