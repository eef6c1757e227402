import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/matrix.js';
import { plainSgd, type PlainSgdOptions, type PlainSgdResult } from '../../src/estimators/sgd-plain.js';
import { SgdRows } from '../../src/estimators/sgd-rows.js';
import { interleavedSgd } from '../../src/estimators/sgd-interleaved.js';
import { loadLinearFixture } from './linear-fixtures.js';

// The reference is plainSgd, one problem after another (its binary fits match scikit-learn
// 1.2.1's to the last bit: sgd.test.ts). Running the problems side by side must change no bit
// of any of them, for every option that touches the loop.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
}

const fixture = loadLinearFixture<{ X: number[][]; y: number[] }>('sgd.json');
const standardised = new Matrix(Float64Array.from(fixture.X.flat()), fixture.X.length, fixture.X[0].length);
const labels3 = Int32Array.from(fixture.y);

/** 7 classes (two chunks of chains), floats over many magnitudes. */
function floats7(): { X: Matrix; y: Int32Array } {
  const r = lcg(5);
  const X = new Matrix(Float64Array.from({ length: 140 * 30 }, () => (r() - 0.5) * 10 ** Math.floor(r() * 4 - 2)), 140, 30);
  return { X, y: Int32Array.from({ length: 140 }, (_, i) => (i * 5 + Math.floor(r() * 3)) % 7) };
}

/** Pixel rows (stored one byte per value), 4 classes, mostly zeros. */
function pixels4(): { X: Matrix; y: Int32Array } {
  const r = lcg(9);
  const X = new Matrix(Uint8Array.from({ length: 120 * 50 }, () => (r() < 0.3 ? Math.floor(r() * 256) : 0)), 120, 50);
  return { X, y: Int32Array.from({ length: 120 }, (_, i) => i % 4) };
}

const base: Omit<PlainSgdOptions, 'seed'> = {
  loss: 'hinge', penalty: 'l2', alpha: 1e-4, l1Ratio: 0.15, maxIter: 30, tol: 1e-3, nIterNoChange: 5, fitIntercept: true,
  shuffle: true, learningRate: 'optimal', eta0: 0, powerT: 0.5, average: 0, validationMask: null,
};

function oneByOne(X: Matrix, ys: Float64Array[], seeds: number[], o: Omit<PlainSgdOptions, 'seed'>): PlainSgdResult[] {
  const rows = new SgdRows(X);
  return ys.map((y, k) => plainSgd(rows, y, { ...o, seed: seeds[k] }));
}

function problems(y: Int32Array): { ys: Float64Array[]; seeds: number[] } {
  const classes = [...new Set(y)].sort((a, b) => a - b);
  return { ys: classes.map((c) => Float64Array.from(y, (v) => (v === c ? 1 : -1))), seeds: classes.map((c) => 17 + 7919 * c) };
}

function expectSameBits(a: PlainSgdResult[], b: PlainSgdResult[]): void {
  expect(b.map((r) => r.nIter)).toEqual(a.map((r) => r.nIter));
  a.forEach((r, k) => {
    expect(Array.from(b[k].weights)).toEqual(Array.from(r.weights));
    expect(b[k].intercept).toBe(r.intercept);
    expect(b[k].averageWeights && Array.from(b[k].averageWeights!)).toEqual(r.averageWeights && Array.from(r.averageWeights));
    expect(b[k].averageIntercept).toBe(r.averageIntercept);
  });
}

const mask = (n: number) => Uint8Array.from({ length: n }, (_, i) => Number(i % 5 === 2));

const variants: [string, Partial<Omit<PlainSgdOptions, 'seed'>>][] = [
  ['defaults (classes stop at different epochs)', {}],
  ['log_loss', { loss: 'log_loss' }],
  ['modified_huber, constant rate', { loss: 'modified_huber', learningRate: 'constant', eta0: 0.05 }],
  ['l1', { penalty: 'l1', alpha: 0.01 }],
  ['elasticnet', { penalty: 'elasticnet', alpha: 0.01, l1Ratio: 0.5 }],
  ['averaging from step 1', { average: 1 }],
  ['averaging from step 50, squared_hinge', { average: 50, loss: 'squared_hinge' }],
  ['invscaling, perceptron, no penalty', { learningRate: 'invscaling', eta0: 0.1, loss: 'perceptron', penalty: null }],
  ['adaptive', { learningRate: 'adaptive', eta0: 0.1 }],
  ['no shuffle, no intercept, tol=None', { shuffle: false, fitIntercept: false, tol: -Infinity, maxIter: 9 }],
  ['large alpha (weight scale resets)', { alpha: 0.5, learningRate: 'constant', eta0: 1.9 }],
];

describe('interleavedSgd: one-vs-rest problems side by side, bit for bit as one after another', () => {
  const datasets: [string, () => { X: Matrix; y: Int32Array }][] = [
    ['3 classes, standardised floats (sklearn fixture X)', () => ({ X: standardised, y: labels3 })],
    ['7 classes, floats', floats7],
    ['4 classes, pixels', pixels4],
  ];
  for (const [dname, data] of datasets) {
    for (const [vname, v] of variants) {
      it(`${dname}: ${vname}`, async () => {
        const { X, y } = data();
        const { ys, seeds } = problems(y);
        const o = { ...base, ...v };
        const expected = oneByOne(X, ys, seeds, o);
        expectSameBits(expected, await interleavedSgd(X, ys, seeds, o));
      });
    }
    it(`${dname}: early stopping on held-out rows`, async () => {
      const { X, y } = data();
      const { ys, seeds } = problems(y);
      const o = { ...base, validationMask: mask(X.rows), nIterNoChange: 2 };
      expectSameBits(oneByOne(X, ys, seeds, o), await interleavedSgd(X, ys, seeds, o));
    });
  }

  it('the default case really has problems stopping at different epochs (so the shrinking active set is exercised)', async () => {
    const { X, y } = floats7();
    const { ys, seeds } = problems(y);
    const iters = (await interleavedSgd(X, ys, seeds, base)).map((r) => r.nIter);
    expect(new Set(iters).size).toBeGreaterThan(1);
  });

  it('the snapshot after epoch e is the fit with maxIter = e (early-stopped problems at their final model)', async () => {
    const { X, y } = floats7();
    const { ys, seeds } = problems(y);
    const o = { ...base, average: 30 };
    const snapshots: PlainSgdResult[][] = [];
    const full = await interleavedSgd(X, ys, seeds, o, async (epoch, snap) => {
      expect(epoch).toBe(snapshots.length + 1);
      snapshots.push(snap());
    });
    expect(snapshots.length).toBe(Math.max(...full.map((r) => r.nIter)));
    expectSameBits(full, snapshots[snapshots.length - 1]);
    for (const e of [1, 2, 7, snapshots.length - 1]) expectSameBits(await interleavedSgd(X, ys, seeds, { ...o, maxIter: e }), snapshots[e - 1]);
  });
});
