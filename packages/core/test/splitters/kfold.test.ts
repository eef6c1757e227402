import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/matrix.js';
import { KFold } from '../../src/splitters/index.js';
import { expectPartition, foldIdsOf, loadFixture } from './fixtures.js';

interface KFoldFixture {
  cases: { n: number; n_splits: number; fold_ids: number[] }[];
}

// Expected folds: fixtures/splitters/kfold.json, written by fixtures/make_splitter_fixtures.py (scikit-learn 1.2.1 KFold).
const fixture = loadFixture<KFoldFixture>('splitters/kfold.json');

describe('KFold', () => {
  it.each(fixture.cases)('matches scikit-learn for n=$n, n_splits=$n_splits', ({ n, n_splits, fold_ids }) => {
    const folds = new KFold({ nSplits: n_splits }).split(n);
    expect(folds).toHaveLength(n_splits);
    expect(foldIdsOf(folds, n)).toEqual(fold_ids);
    expectPartition(folds, n);
  });

  it('hand-computed: 7 samples in 3 folds are [0 1 2], [3 4], [5 6]', () => {
    const folds = new KFold({ nSplits: 3 }).split(Int32Array.from({ length: 7 }, () => 1));
    expect(folds.map((f) => Array.from(f.test))).toEqual([[0, 1, 2], [3, 4], [5, 6]]);
    expect(Array.from(folds[1].train)).toEqual([0, 1, 2, 5, 6]);
    expect(new KFold().getNSplits()).toBe(5);
    expect(new KFold({ nSplits: 2 }).split(new Matrix(new Float64Array(8), 4, 2))).toHaveLength(2);
  });

  it('shuffles reproducibly with a seed (gridfold generator, not numpy) and still partitions', () => {
    const a = new KFold({ nSplits: 4, shuffle: true, randomState: 42 }).split(50);
    const b = new KFold({ nSplits: 4, shuffle: true, randomState: 42 }).split(50);
    const c = new KFold({ nSplits: 4, shuffle: true, randomState: 43 }).split(50);
    expect(foldIdsOf(a, 50)).toEqual(foldIdsOf(b, 50));
    expect(foldIdsOf(a, 50)).not.toEqual(foldIdsOf(c, 50));
    expect(a.map((f) => f.test.length)).toEqual([13, 13, 12, 12]);
    expectPartition(a, 50);
  });

  it('names invalid options and too few samples', () => {
    expect(() => new KFold({ nSplits: 1 })).toThrow('nSplits must be an integer >= 2');
    expect(() => new KFold({ nSplits: 2.5 })).toThrow('got 2.5');
    expect(() => new KFold({ randomState: 3 })).toThrow('randomState=3 has no effect since shuffle is false');
    expect(() => new KFold({ shuffle: true, randomState: -1 })).toThrow('randomState must be an integer in [0, 2^32) or null, got -1');
    expect(() => new KFold({ nSplits: 4 }).split(3)).toThrow(
      'Cannot have number of splits nSplits=4 greater than the number of samples: nSamples=3.',
    );
  });
});
