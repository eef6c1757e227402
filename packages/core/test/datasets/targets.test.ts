import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/datasets/csv.js';
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

describe('CSV reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridfold-csv-'));
  it('reads features and an integer label column by name', async () => {
    const f = join(dir, 'ok.csv');
    writeFileSync(f, 'a,label,b\n1,0,2\n3,1,4.5\n');
    const data = await readCsv(f, 'label');
    expect(data.columns).toEqual(['a', 'b']);
    expect(Array.from(data.X.data)).toEqual([1, 2, 3, 4.5]);
    expect(Array.from(data.y)).toEqual([0, 1]);
  });

  it('names the bad cell, the missing column and the non-integer label', async () => {
    const f = join(dir, 'bad.csv');
    writeFileSync(f, 'a,label\n1,0\nx,1\n');
    await expect(readCsv(f, 'label')).rejects.toThrow('row 3, column "a": "x" is not a number');
    await expect(readCsv(f, 'y')).rejects.toThrow('no label column "y"; columns are "a", "label"');
    writeFileSync(f, 'a,label\n1,0.5\n');
    await expect(readCsv(f, 'label')).rejects.toThrow('label "0.5" is not an integer class');
  });
});
