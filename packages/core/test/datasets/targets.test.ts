import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/datasets/load.js';
import { RandomState } from '../../src/random/numpy-random-state.js';
import { multilabelTarget } from '../../src/datasets/targets.js';

describe('numpy legacy random state', () => {
  it('reproduces np.random.seed(42); np.random.randint(0, 100, 15)', () => {
    // Printed by numpy 1.24.2 (/usr/bin/python3): np.random.seed(42); np.random.randint(0, 100, (3, 5))
    const out = new Int32Array(15);
    new RandomState(42).fillRandint(out, 0, 100);
    expect(Array.from(out)).toEqual([51, 92, 14, 71, 60, 20, 82, 86, 74, 74, 87, 99, 23, 2, 21]);
  });
});

describe('targets', () => {
  it('builds the seeds multilabel target (large = digit >= 7, odd)', () => {
    const m = multilabelTarget(Int32Array.from([5, 7, 8, 0]), ['large', 'odd']);
    expect(Array.from(m.data)).toEqual([0, 1, 1, 1, 1, 0, 0, 0]);
  });

  it('adds the seeds noise to MNIST (train first, then test, one generator)', async () => {
    const d = await loadDataset({ source: 'mnist', target: { kind: 'denoise', noise: 100, seed: 42 } });
    const clean = d.train.y as import('../../src/matrix.js').Matrix;
    // np.random.seed(42); noise = np.random.randint(0, 100, (60000, 784)): first values 51 92 14.
    expect([0, 1, 2].map((j) => d.train.X.get(0, j) - clean.get(0, j))).toEqual([51, 92, 14]);
    expect(d.test!.X.rows).toBe(10000);
  });
});
