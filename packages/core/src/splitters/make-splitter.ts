import { KFold } from './kfold.js';
import type { Splitter } from './splitter.js';
import { StratifiedKFold } from './stratified-kfold.js';

/** A splitter as a job payload carries it (scikit-learn's parameter names); extra keys are ignored. */
export interface SplitterSpec {
  kind: 'kfold' | 'stratified';
  /** @defaultValue 5 */
  n_splits?: number;
  /** @defaultValue false */
  shuffle?: boolean;
  /** Required when `shuffle` is true, so every worker rebuilds the same folds. @defaultValue null */
  random_state?: number | null;
}

/**
 * Builds the splitter a spec describes. Workers call this per task and must agree on the
 * folds, so a shuffled spec without `random_state` is refused rather than seeded at random.
 *
 * @throws on an unknown `kind`, shuffle without `random_state`, or invalid fold options.
 */
export function makeSplitter(spec: SplitterSpec): Splitter {
  const { kind, n_splits: nSplits = 5, shuffle = false, random_state: randomState = null } = spec;
  if (shuffle && randomState === null) {
    throw new RangeError('a shuffled splitter needs an integer random_state so that every worker rebuilds the same folds, got null');
  }
  const options = { nSplits, shuffle, randomState };
  if (kind === 'kfold') return new KFold(options);
  if (kind === 'stratified') return new StratifiedKFold(options);
  throw new RangeError(`splitter kind must be 'kfold' or 'stratified', got ${JSON.stringify(kind)}`);
}
