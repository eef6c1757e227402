import { afterEach, describe, expect, it } from 'vitest';
import { Matrix } from '../../src/matrix.js';
import { configureKernels } from '../../src/kernels/kernel-settings.js';
import { interleavedSgd } from '../../src/estimators/sgd-interleaved.js';
import type { PlainSgdOptions, PlainSgdResult } from '../../src/estimators/sgd-plain.js';
import { idleSgdWorkers, sgdThreads, threadedSgd, THREADED_WORK } from '../../src/estimators/sgd-threads.js';
import { loadLinearFixture } from './linear-fixtures.js';

// The reference is interleavedSgd on one thread (bit for bit plainSgd, hence scikit-learn
// 1.2.1: sgd-interleaved.test.ts, sgd.test.ts). Splitting the problems over threads must
// change no bit of any problem, for any thread count.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
}

const fixture = loadLinearFixture<{ X: number[][]; y: number[] }>('sgd.json');
const standardised = new Matrix(Float64Array.from(fixture.X.flat()), fixture.X.length, fixture.X[0].length);

/** 10 classes (as MNIST's digits), floats over many magnitudes, odd column count. */
function floats10(): { X: Matrix; y: Int32Array } {
  const r = lcg(7);
  const X = new Matrix(Float64Array.from({ length: 200 * 31 }, () => (r() - 0.5) * 10 ** Math.floor(r() * 4 - 2)), 200, 31);
  return { X, y: Int32Array.from({ length: 200 }, (_, i) => (i * 3 + Math.floor(r() * 4)) % 10) };
}

/** Pixel rows (one byte per value), 6 classes. */
function pixels6(): { X: Matrix; y: Int32Array } {
  const r = lcg(3);
  const X = new Matrix(Uint8Array.from({ length: 150 * 40 }, () => (r() < 0.6 ? Math.floor(r() * 256) : 0)), 150, 40);
  return { X, y: Int32Array.from({ length: 150 }, (_, i) => i % 6) };
}

const base: Omit<PlainSgdOptions, 'seed'> = {
  loss: 'hinge', penalty: 'l2', alpha: 1e-4, l1Ratio: 0.15, maxIter: 20, tol: 1e-3, nIterNoChange: 5, fitIntercept: true,
  shuffle: true, learningRate: 'optimal', eta0: 0, powerT: 0.5, average: 0, validationMask: null,
};

function problems(y: Int32Array): { ys: Float64Array[]; seeds: number[] } {
  const classes = [...new Set(y)].sort((a, b) => a - b);
  return { ys: classes.map((c) => Float64Array.from(y, (v) => (v === c ? 1 : -1))), seeds: classes.map((c) => 31 + 104729 * c) };
}

function expectSameBits(a: PlainSgdResult[], b: PlainSgdResult[]): void {
  expect(b.map((r) => r.nIter)).toEqual(a.map((r) => r.nIter));
  a.forEach((r, k) => {
    expect(Array.from(b[k].weights), `problem ${k}`).toEqual(Array.from(r.weights));
    expect(b[k].intercept).toBe(r.intercept);
    expect(b[k].averageWeights && Array.from(b[k].averageWeights!)).toEqual(r.averageWeights && Array.from(r.averageWeights));
    expect(b[k].averageIntercept).toBe(r.averageIntercept);
  });
}

describe('threadedSgd: one-vs-rest problems split over threads, bit for bit as one thread', () => {
  afterEach(() => configureKernels({}));
  const datasets: [string, () => { X: Matrix; y: Int32Array }][] = [
    ['3 classes, standardised floats (sklearn fixture X)', () => ({ X: standardised, y: Int32Array.from(fixture.y) })],
    ['10 classes, floats', floats10],
    ['6 classes, pixels', pixels6],
  ];
  const variants: [string, (rows: number) => Partial<Omit<PlainSgdOptions, 'seed'>>][] = [
    ['defaults', () => ({})],
    ['averaging, log_loss', () => ({ average: 10, loss: 'log_loss' })],
    ['elasticnet', () => ({ penalty: 'elasticnet', alpha: 0.01, l1Ratio: 0.5 })],
    ['early stopping on held-out rows', (rows) => ({ validationMask: Uint8Array.from({ length: rows }, (_, i) => Number(i % 5 === 2)), nIterNoChange: 2 })],
  ];
  for (const [dname, data] of datasets) {
    for (const [vname, v] of variants) {
      it(`${dname}, ${vname}: 2 and 3 threads`, async () => {
        const { X, y } = data();
        const { ys, seeds } = problems(y);
        const o = { ...base, ...v(X.rows) };
        const one = await interleavedSgd(X, ys, seeds, o);
        expectSameBits(one, await threadedSgd(X, ys, seeds, o, 2));
        expectSameBits(one, await threadedSgd(X, ys, seeds, o, 3));
      });
    }
  }

  it('10 problems on 4 threads (groups of 2 and 3) and on more threads than problems', async () => {
    const { X, y } = floats10();
    const { ys, seeds } = problems(y);
    const one = await interleavedSgd(X, ys, seeds, base);
    expect(new Set(one.map((r) => r.nIter)).size).toBeGreaterThan(1);
    expectSameBits(one, await threadedSgd(X, ys, seeds, base, 4));
    expectSameBits(one, await threadedSgd(X, ys, seeds, base, 16));
  });

  it('a problem that diverges in a worker gives one thread\'s error, at the earliest epoch', async () => {
    // Rows of ~1e200 times a constant rate of 1e200 overflow the first weights updated.
    const { X, y } = floats10();
    const big = new Matrix(X.data.map((v) => v * 1e202), X.rows, X.cols);
    const { ys, seeds } = problems(y);
    const o = { ...base, learningRate: 'constant' as const, eta0: 1e200 };
    const one = await interleavedSgd(big, ys, seeds, o).then(() => 'no error', (err: Error) => err.message);
    expect(one).toMatch(/^Floating-point under-\/overflow occurred at epoch #\d+\./);
    await expect(threadedSgd(big, ys, seeds, o, 2)).rejects.toThrow(one);
  });

  it('leaves its workers idle for the next fit', async () => {
    const { X, y } = floats10();
    const { ys, seeds } = problems(y);
    await threadedSgd(X, ys, seeds, base, 3);
    expect(idleSgdWorkers().length).toBeGreaterThanOrEqual(2);
  });

  it('threads follow the kernel setting and stay at one below the work threshold', () => {
    // 10,000 rows x 784 columns x 10 problems x 6 epochs (tol set: n_iter_no_change + 1 at least) is far above it.
    configureKernels({ threads: 2 });
    expect(sgdThreads(10_000, 784, 10, base)).toBe(2);
    configureKernels({ threads: 1 });
    expect(sgdThreads(10_000, 784, 10, base)).toBe(1);
    configureKernels({ threads: 16 });
    expect(sgdThreads(10_000, 784, 10, base)).toBe(10);
    expect(sgdThreads(200, 31, 10, base)).toBe(1);
    expect(sgdThreads(THREADED_WORK / (10 * 6), 1, 10, base)).toBe(10);
    expect(sgdThreads(THREADED_WORK / (10 * 6) - 1, 1, 10, base)).toBe(1);
  });
});
