import type { Target } from '../matrix.js';
import { generatorFor, shuffleInPlace } from './seeded-shuffle.js';
import { checkEnoughSamples, checkKFoldOptions, foldsFromIds, sampleCount, type Fold, type KFoldOptions, type Splitter } from './splitter.js';

/**
 * K consecutive folds, as scikit-learn's `KFold`: the first `nSamples % nSplits` folds
 * get one extra sample. Without shuffling the folds equal scikit-learn 1.2.1's exactly;
 * with it they come from gridfold's seeded generator (see {@link KFoldOptions.shuffle}).
 */
export class KFold implements Splitter {
  /** The validated options, defaults filled in. */
  readonly options: Required<KFoldOptions>;

  constructor(options: KFoldOptions = {}) {
    this.options = checkKFoldOptions(options);
  }

  /** Number of folds {@link KFold.split} returns. */
  getNSplits(): number {
    return this.options.nSplits;
  }

  /** Folds over `y`'s samples (labels are ignored) or over a sample count. */
  split(y: Target | number): Fold[] {
    const { nSplits, shuffle, randomState } = this.options;
    const n = sampleCount(y);
    checkEnoughSamples(nSplits, n);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (shuffle) shuffleInPlace(order, generatorFor(randomState));
    const foldIds = new Int32Array(n);
    const base = Math.floor(n / nSplits);
    let position = 0;
    for (let f = 0; f < nSplits; f++) {
      const size = base + (f < n % nSplits ? 1 : 0);
      for (let k = 0; k < size; k++) foldIds[order[position++]] = f;
    }
    return foldsFromIds(foldIds, nSplits);
  }
}
