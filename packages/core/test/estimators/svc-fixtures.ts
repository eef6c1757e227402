import { readFileSync } from 'node:fs';
import { loadMnist } from '../../src/datasets/mnist.js';
import { Matrix } from '../../src/matrix.js';

/**
 * Reads fixtures/svc/<name>, written by fixtures/make_svc_fixtures.py from scikit-learn
 * 1.2.1 (rerun the script to regenerate).
 */
export function svcFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../../fixtures/svc/${name}`, import.meta.url), 'utf8')) as T;
}

/** The MNIST training rows a fixture names, `[start, end)`, as the fixture script sliced them. */
export async function mnistRows([start, end]: number[]): Promise<{ X: Matrix<Uint8Array>; y: Int32Array }> {
  const { train } = await loadMnist();
  const d = train.X.cols;
  return {
    X: new Matrix(train.X.data.subarray(start * d, end * d), end - start, d),
    y: (train.y as Int32Array).subarray(start, end),
  };
}

/** Rows of a matrix as nested arrays. */
export function rowsOf(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.row(i)));
}

/** Largest absolute difference between two equally shaped nested arrays. */
export function maxAbsDiff(a: number[][], b: number[][]): number {
  let max = 0;
  a.forEach((row, i) => row.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i][j])))));
  return max;
}
