import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mnistDataDir } from '../../src/datasets/mnist.js';
import { readIdxLabels } from '../../src/datasets/idx.js';
import { Matrix } from '../../src/matrix.js';
import { StratifiedKFold } from '../../src/splitters/index.js';
import { expectPartition, foldIdsOf, loadFixture } from './fixtures.js';

interface StratifiedFixture {
  cases: { name: string; n_splits: number; y: number[]; fold_ids: number[]; warnings: string[] }[];
  errors: { name: string; y: number[]; n_splits: number; sklearn_error: string }[];
}
interface MnistFixture {
  prefixes: { n: number; n_splits: number; fold_ids: string }[];
  five_detector: { n: number; n_splits: number; fold_sizes: number[]; sha256: string; run_lengths: [number, number][] };
}

// Expected folds: fixtures/splitters/stratified.json and stratified_mnist.json, written by
// fixtures/make_splitter_fixtures.py (scikit-learn 1.2.1 StratifiedKFold, shuffle=False).
const fixture = loadFixture<StratifiedFixture>('splitters/stratified.json');
const mnist = loadFixture<MnistFixture>('splitters/stratified_mnist.json');

describe('StratifiedKFold on random labels', () => {
  it.each(fixture.cases)('matches scikit-learn: $name', (c) => {
    const warnings: string[] = [];
    const folds = new StratifiedKFold({ nSplits: c.n_splits, onWarning: (m) => warnings.push(m) }).split(Int32Array.from(c.y));
    expect(foldIdsOf(folds, c.y.length)).toEqual(c.fold_ids);
    expectPartition(folds, c.y.length);
    // Same warning as scikit-learn's UserWarning, with our option name.
    expect(warnings).toEqual(c.warnings.map((w) => w.replace('n_splits', 'nSplits')));
  });

  it.each(fixture.errors)('throws where scikit-learn raises: $name', (e) => {
    const expected = e.sklearn_error.includes('number of samples')
      ? 'Cannot have number of splits nSplits=4 greater than the number of samples: nSamples=3.'
      : `nSplits=${e.n_splits} cannot be greater than the number of members in each class (largest class has 2)`;
    expect(() => new StratifiedKFold({ nSplits: e.n_splits }).split(Int32Array.from(e.y))).toThrow(expected);
  });
});

describe('StratifiedKFold on MNIST training labels', () => {
  const labels = readIdxLabels(join(mnistDataDir(), 'train-labels-idx1-ubyte'));

  it.each(mnist.prefixes)('matches scikit-learn on the first $n labels with n_splits=$n_splits', async ({ n, n_splits, fold_ids }) => {
    const y = (await labels).subarray(0, n);
    const folds = new StratifiedKFold({ nSplits: n_splits }).split(y);
    expect(foldIdsOf(folds, n).join('')).toBe(fold_ids);
  });

  it('matches scikit-learn for StratifiedKFold(3) on the 60,000-sample 5-detector (y == 5)', async () => {
    const y = Int32Array.from(await labels, (v) => (v === 5 ? 1 : 0));
    const expected = mnist.five_detector;
    const folds = new StratifiedKFold({ nSplits: 3 }).split(y);
    const ids = foldIdsOf(folds, y.length);
    expect(folds.map((f) => f.test.length)).toEqual(expected.fold_sizes);
    const runs: [number, number][] = [];
    for (const id of ids) {
      if (runs.length > 0 && runs[runs.length - 1][0] === id) runs[runs.length - 1][1]++;
      else runs.push([id, 1]);
    }
    expect(runs).toEqual(expected.run_lengths);
    expect(createHash('sha256').update(ids.join('')).digest('hex')).toBe(expected.sha256);
  });
});

describe('StratifiedKFold by hand and validation', () => {
  it('hand-computed: classes take folds in blocks, in data order', () => {
    // Class 1 (first seen, 4 members) gets folds 0 0 1 1; class 0 (2 members) gets 0 1.
    const folds = new StratifiedKFold({ nSplits: 2 }).split(Int32Array.of(1, 1, 0, 1, 0, 1));
    expect(folds.map((f) => Array.from(f.test))).toEqual([[0, 1, 2], [3, 4, 5]]);
  });

  it('shuffles reproducibly per seed and keeps the per-class fold sizes', () => {
    const y = Int32Array.from({ length: 90 }, (_, i) => i % 3);
    const split = (seed: number) => foldIdsOf(new StratifiedKFold({ nSplits: 3, shuffle: true, randomState: seed }).split(y), 90);
    expect(split(7)).toEqual(split(7));
    expect(split(7)).not.toEqual(split(8));
    for (let f = 0; f < 3; f++) expect(split(7).filter((id, i) => id === f && y[i] === 0)).toHaveLength(10);
  });

  it('refuses sample counts and multilabel targets', () => {
    expect(() => new StratifiedKFold().split(100)).toThrow('StratifiedKFold needs the class labels y, got a sample count (100)');
    expect(() => new StratifiedKFold({ nSplits: 2 }).split(new Matrix(new Float64Array(8), 4, 2))).toThrow(
      'got a 4x2 target matrix (multilabel or multioutput)',
    );
  });
});
