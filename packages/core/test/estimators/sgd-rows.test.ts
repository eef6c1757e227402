import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/matrix.js';
import { SgdRows } from '../../src/estimators/sgd-rows.js';

// Hand-built cases: the reference is the plain left-to-right loop over every column of a dense
// row (scikit-learn's order), so any reordering of a sum shows up in the last bits.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
}

/** rows x cols, each entry nonzero with probability `density`; `value` draws it. */
function sparse(rows: number, cols: number, density: number, value: (r: () => number) => number, seed = 1): Matrix<Float64Array> {
  const r = lcg(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) if (r() < density) data[i] = value(r);
  return new Matrix(data, rows, cols);
}

function denseDot(X: Matrix, i: number, w: Float64Array): number {
  let s = 0;
  for (let j = 0; j < X.cols; j++) if (X.get(i, j) !== 0) s += w[j] * X.get(i, j);
  return s;
}

function randomWeights(rows: SgdRows, seed: number): Float64Array {
  const r = lcg(seed);
  // Magnitudes over many orders, so that a different summation order changes the rounding.
  rows.weights.forEach((_, j) => (rows.weights[j] = (r() - 0.5) * 10 ** Math.floor(r() * 12 - 6)));
  return rows.weights.slice();
}

const pixel = (r: () => number) => 1 + Math.floor(r() * 255);
const float = (r: () => number) => (r() - 0.5) * 1e3;

const cases: [string, Matrix, 'pixels' | 'floats'][] = [
  ['uint8 pixels', new Matrix(Uint8Array.from(sparse(40, 784, 0.2, pixel).data), 40, 784), 'pixels'],
  ['float64 holding pixels', sparse(40, 784, 0.2, pixel), 'pixels'],
  ['floats', sparse(40, 784, 0.2, float), 'floats'],
  ['dense floats', sparse(10, 300, 1, float), 'floats'],
  // Gaps wider than one entry can encode: 255 columns for pixels, 65,535 for floats.
  ['pixels with wide gaps', withEntries(4, 2000, [[0, 0, 9], [0, 255, 3], [0, 511, 200], [1, 1999, 1], [2, 256, 17], [2, 1800, 255]]), 'pixels'],
  ['floats with wide gaps', withEntries(4, 70_000, [[0, 0, 0.5], [0, 65_535, -3], [0, 69_000, 1e6], [1, 69_999, 2.25], [2, 65_536, -0.125]]), 'floats'],
];

function withEntries(rows: number, cols: number, entries: [number, number, number][]): Matrix<Float64Array> {
  const data = new Float64Array(rows * cols);
  for (const [i, j, v] of entries) data[i * cols + j] = v;
  return new Matrix(data, rows, cols);
}

describe('SgdRows', () => {
  for (const [name, X, format] of cases) {
    it(`${name}: ${format} entries; dot, dotPair, add and addAverage match the dense loops bit for bit`, () => {
      const rows = new SgdRows(X);
      expect(rows.format).toBe(format);
      expect(Array.from(rows.weights)).toEqual(new Array(X.cols).fill(0));
      const w = randomWeights(rows, 7);
      for (let i = 0; i < X.rows; i++) expect(rows.dot(i)).toBe(denseDot(X, i, w));
      for (let i = 0; i + 1 < X.rows; i++) {
        expect(rows.dotPair(i, X.rows - 1 - i)).toBe(denseDot(X, i, w));
        expect(rows.pairedDot).toBe(denseDot(X, X.rows - 1 - i, w));
      }
      rows.add(1, -0.37);
      for (let j = 0; j < X.cols; j++) if (X.get(1, j) !== 0) w[j] += X.get(1, j) * -0.37;
      expect(rows.weights).toEqual(w);
      const aw = new Float64Array(X.cols).fill(0.25);
      rows.averageWeights.set(aw);
      rows.addAverage(2, 1.7, 0.003);
      for (let j = 0; j < X.cols; j++) if (X.get(2, j) !== 0) aw[j] += 1.7 * X.get(2, j) * 0.003;
      expect(rows.averageWeights).toEqual(aw);
    });
  }

  it('an all-zero row has dot 0 and add leaves the weights alone', () => {
    const X = new Matrix(new Uint8Array([0, 0, 0, 5, 0, 7]), 2, 3);
    const rows = new SgdRows(X);
    rows.weights.set([1, 2, 3]);
    expect(rows.dot(0)).toBe(0);
    expect(rows.dotPair(0, 1)).toBe(0);
    expect(rows.pairedDot).toBe(5 * 1 + 7 * 3);
    rows.add(0, 2);
    expect(Array.from(rows.weights)).toEqual([1, 2, 3]);
  });

  it('stores values outside 0..255, fractions and negatives as floats', () => {
    for (const v of [256, 0.5, -1]) expect(new SgdRows(new Matrix(new Float64Array([1, v]), 1, 2)).format).toBe('floats');
  });
});
