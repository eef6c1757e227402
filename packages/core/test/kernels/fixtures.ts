import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Matrix } from '../../src/matrix.js';

/** Reads fixtures/knn/<name> (written by fixtures/make_knn_fixtures.py, scikit-learn 1.2.1). */
export function knnFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../../../fixtures/knn/${name}`, import.meta.url)), 'utf8')) as T;
}

/** A float64 matrix from nested arrays. */
export function matrixOf(rows: number[][]): Matrix<Float64Array> {
  return new Matrix(Float64Array.from(rows.flat()), rows.length, rows[0].length);
}

/** `(31*row + 17*col) % 100` added to each value: the fixture script's deterministic noise. */
export function withNoise(X: Matrix): Matrix<Float64Array> {
  const out = new Float64Array(X.rows * X.cols);
  for (let r = 0; r < X.rows; r++) for (let c = 0; c < X.cols; c++) out[r * X.cols + c] = X.get(r, c) + ((31 * r + 17 * c) % 100);
  return new Matrix(out, X.rows, X.cols);
}

/** Rows [start, end) of a matrix, as a view. */
export function rowRange<M extends Matrix>(X: M, [start, end]: number[]): M {
  return new Matrix(X.data.subarray(start * X.cols, end * X.cols), end - start, X.cols) as M;
}

/** Neighbours as scikit-learn's fixture stores them: Euclidean distances. */
export interface FixtureNeighbours {
  k: number;
  indices: number[][];
  distances: number[][];
}
