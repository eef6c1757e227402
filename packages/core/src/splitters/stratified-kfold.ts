import { Matrix, type Target } from '../matrix.js';
import { generatorFor, shuffleInPlace } from './seeded-shuffle.js';
import { checkEnoughSamples, checkKFoldOptions, foldsFromIds, type Fold, type KFoldOptions, type Splitter } from './splitter.js';

/** Options of {@link StratifiedKFold}. */
export interface StratifiedKFoldOptions extends KFoldOptions {
  /**
   * Receives scikit-learn's UserWarning when the least populated class has fewer members
   * than `nSplits`. @defaultValue a Node process warning
   */
  onWarning?: (message: string) => void;
}

/** Samples `j` in `[0, end)` with `j % k === f`. */
function countCongruent(end: number, f: number, k: number): number {
  return end > f ? Math.ceil((end - f) / k) : 0;
}

/**
 * Folds that keep each class's proportion, as scikit-learn 1.2.1's `StratifiedKFold`:
 * classes are numbered by first appearance, each fold's share of a class is what a
 * round-robin over the class-sorted samples would give it, and each class's samples are
 * handed out in blocks in data order. Without shuffling the folds equal scikit-learn's
 * exactly; with it the per-class blocks are shuffled by gridfold's seeded generator.
 */
export class StratifiedKFold implements Splitter {
  /** The validated options, defaults filled in. */
  readonly options: Required<KFoldOptions>;
  private readonly onWarning: (message: string) => void;

  constructor(options: StratifiedKFoldOptions = {}) {
    this.options = checkKFoldOptions(options);
    this.onWarning = options.onWarning ?? ((message) => process.emitWarning(message, 'UserWarning'));
  }

  /** Number of folds {@link StratifiedKFold.split} returns. */
  getNSplits(): number {
    return this.options.nSplits;
  }

  /** Folds for class labels `y` (binary or multiclass). */
  split(y: Target | number): Fold[] {
    const { nSplits, shuffle, randomState } = this.options;
    const labels = classLabels(y);
    const n = labels.length;
    checkEnoughSamples(nSplits, n);
    const codeOf = new Map<number, number>();
    const encoded = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let code = codeOf.get(labels[i]);
      if (code === undefined) codeOf.set(labels[i], (code = codeOf.size));
      encoded[i] = code;
    }
    const nClasses = codeOf.size;
    const counts = new Int32Array(nClasses);
    for (const c of encoded) counts[c]++;
    if (counts.every((c) => nSplits > c)) {
      throw new RangeError(
        `nSplits=${nSplits} cannot be greater than the number of members in each class (largest class has ${Math.max(...counts)})`,
      );
    }
    const minCount = Math.min(...counts);
    if (nSplits > minCount) {
      this.onWarning(`The least populated class in y has only ${minCount} members, which is less than nSplits=${nSplits}.`);
    }
    const random = shuffle ? generatorFor(randomState) : null;
    const membersSeen = new Int32Array(nClasses);
    const classFolds: Int32Array[] = [];
    let start = 0;
    for (let k = 0; k < nClasses; k++) {
      // Class k occupies positions [start, end) of the class-sorted labels; fold f's share
      // is the number of those positions congruent to f modulo nSplits.
      const end = start + counts[k];
      const folds = new Int32Array(counts[k]);
      let p = 0;
      for (let f = 0; f < nSplits; f++) {
        const share = countCongruent(end, f, nSplits) - countCongruent(start, f, nSplits);
        folds.fill(f, p, p + share);
        p += share;
      }
      if (random) shuffleInPlace(folds, random);
      classFolds.push(folds);
      start = end;
    }
    const foldIds = new Int32Array(n);
    for (let i = 0; i < n; i++) foldIds[i] = classFolds[encoded[i]][membersSeen[encoded[i]]++];
    return foldsFromIds(foldIds, nSplits);
  }
}

function classLabels(y: Target | number): ArrayLike<number> {
  if (typeof y === 'number') {
    throw new TypeError(`StratifiedKFold needs the class labels y, got a sample count (${y})`);
  }
  if (!(y instanceof Matrix)) return y;
  if (y.cols !== 1) {
    throw new TypeError(
      `StratifiedKFold supports binary and multiclass label vectors; got a ${y.rows}x${y.cols} target matrix (multilabel or multioutput)`,
    );
  }
  return y.data;
}
