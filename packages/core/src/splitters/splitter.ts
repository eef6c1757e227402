import { Matrix, type Target } from '../matrix.js';

/** One cross-validation fold: sorted sample indices for training and for testing. */
export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

/** A cross-validator: builds all folds at once (they are small and rebuilt per task). */
export interface Splitter {
  /** The folds for targets `y`, or for `y` samples when only a count is known. */
  split(y: Target | number): Fold[];
  /** Number of folds {@link Splitter.split} returns. */
  getNSplits(): number;
}

/** Options shared by {@link KFold} and {@link StratifiedKFold}. */
export interface KFoldOptions {
  /** Number of folds, at least 2. @defaultValue 5 */
  nSplits?: number;
  /**
   * Shuffle before splitting, with gridfold's own seeded generator: reproducible for a
   * given `randomState`, but not the folds numpy's generator would give.
   * @defaultValue false
   */
  shuffle?: boolean;
  /** Seed for shuffling, an integer in [0, 2^32); only allowed with `shuffle`. @defaultValue null (a fresh seed per split) */
  randomState?: number | null;
}

/** Validated {@link KFoldOptions}, as scikit-learn's `_BaseKFold.__init__` checks them. */
export function checkKFoldOptions(options: KFoldOptions): Required<KFoldOptions> {
  const { nSplits = 5, shuffle = false, randomState = null } = options;
  if (!Number.isInteger(nSplits) || nSplits < 2) {
    throw new RangeError(`nSplits must be an integer >= 2 (k-fold cross-validation needs at least one train/test split), got ${nSplits}`);
  }
  if (typeof shuffle !== 'boolean') throw new TypeError(`shuffle must be true or false, got ${JSON.stringify(shuffle)}`);
  if (randomState !== null) {
    if (!Number.isInteger(randomState) || randomState < 0 || randomState >= 2 ** 32) {
      throw new RangeError(`randomState must be an integer in [0, 2^32) or null, got ${randomState}`);
    }
    if (!shuffle) {
      throw new RangeError(
        `randomState=${randomState} has no effect since shuffle is false; leave randomState null or set shuffle to true`,
      );
    }
  }
  return { nSplits, shuffle, randomState };
}

/** Number of samples in `y`, or `y` itself when it is a count. */
export function sampleCount(y: Target | number): number {
  if (typeof y === 'number') {
    if (!Number.isInteger(y) || y < 0) throw new RangeError(`number of samples must be a non-negative integer, got ${y}`);
    return y;
  }
  return y instanceof Matrix ? y.rows : y.length;
}

/** Throws unless there are at least `nSplits` samples, as scikit-learn's `_BaseKFold.split`. */
export function checkEnoughSamples(nSplits: number, nSamples: number): void {
  if (nSplits > nSamples) {
    throw new RangeError(`Cannot have number of splits nSplits=${nSplits} greater than the number of samples: nSamples=${nSamples}.`);
  }
}

/** Folds from a fold id per sample: fold `i` tests the samples whose id is `i`. */
export function foldsFromIds(foldIds: Int32Array, nSplits: number): Fold[] {
  const sizes = new Int32Array(nSplits);
  for (const f of foldIds) sizes[f]++;
  const folds: Fold[] = [];
  for (let f = 0; f < nSplits; f++) {
    const test = new Int32Array(sizes[f]);
    const train = new Int32Array(foldIds.length - sizes[f]);
    let a = 0;
    let b = 0;
    for (let i = 0; i < foldIds.length; i++) {
      if (foldIds[i] === f) test[a++] = i;
      else train[b++] = i;
    }
    folds.push({ train, test });
  }
  return folds;
}
