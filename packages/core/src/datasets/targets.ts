import { Matrix } from '../matrix.js';
import { RandomState } from '../random/numpy-random-state.js';

/** How the labels of a dataset become the learning target. */
export type TargetSpec =
  | { kind: 'multiclass' }
  | { kind: 'binary'; positive: number | string }
  | { kind: 'multilabel'; labels: Array<'large' | 'odd'> }
  | { kind: 'denoise'; noise: number; seed: number };

/** The seeds' binary target, e.g. the 5-detector: 1 where `y == positive`, else 0 (`positive` as encoded in `y`). */
export function binaryTarget(y: Int32Array, positive: number): Int32Array {
  return y.map((v) => (v === positive ? 1 : 0));
}

/** The seeds' multilabel target: one 0/1 column per rule (large = digit >= 7, odd = digit % 2 == 1). */
export function multilabelTarget(y: Int32Array, labels: Array<'large' | 'odd'>): Matrix<Uint8Array> {
  const out = new Uint8Array(y.length * labels.length);
  for (let i = 0; i < y.length; i++) {
    labels.forEach((rule, j) => {
      out[i * labels.length + j] = rule === 'large' ? Number(y[i] >= 7) : Number(y[i] % 2 === 1);
    });
  }
  return new Matrix(out, y.length, labels.length);
}

/**
 * The seeds' denoising data: `np.random.seed(seed)`, then `X + randint(0, noise)` for the
 * training images followed by the test images (one generator, in that order). Returns the
 * noisy inputs; the clean images are the targets.
 */
export function addSeededNoise(train: Matrix, test: Matrix | undefined, noise: number, seed: number): { train: Matrix<Uint16Array>; test?: Matrix<Uint16Array> } {
  const rng = new RandomState(seed);
  const noisy = (m: Matrix): Matrix<Uint16Array> => {
    const out = new Uint16Array(m.data.length);
    rng.fillRandint(out, 0, noise);
    for (let i = 0; i < out.length; i++) out[i] += m.data[i];
    return new Matrix(out, m.rows, m.cols);
  };
  const noisyTrain = noisy(train);
  return { train: noisyTrain, test: test && noisy(test) };
}
