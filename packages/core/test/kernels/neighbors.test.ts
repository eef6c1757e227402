import { afterAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/datasets/mnist.js';
import { kNearestNeighbors, NeighborIndex, type Neighbors } from '../../src/kernels/neighbors.js';
import { releaseSessions } from '../../src/kernels/session.js';
import { Matrix } from '../../src/matrix.js';
import { knnFixture, matrixOf, rowRange, withNoise, type FixtureNeighbours } from './fixtures.js';

afterAll(releaseSessions);

/** Compares with scikit-learn's kneighbors: same indices, and sqrt(ours) equal to its distances. */
function expectSameNeighbours(got: Neighbors, want: FixtureNeighbours, rows: number, exactDistances: boolean): void {
  expect(got.k).toBe(want.k);
  expect(Array.from(got.indices)).toEqual(want.indices.slice(0, rows).flat());
  const dist = Array.from(got.sqDistances, Math.sqrt);
  const wantDist = want.distances.slice(0, rows).flat();
  if (exactDistances) expect(dist).toEqual(wantDist);
  else dist.forEach((d, i) => expect(d).toBeCloseTo(wantDist[i], 12));
}

describe('kNearestNeighbors matches scikit-learn 1.2.1 brute force', () => {
  it('on MNIST pixels (uint8 MatMulInteger path): mnist-multiclass.json', async () => {
    const fx = knnFixture<{ train_rows: number[]; query_rows: number[]; neighbours: FixtureNeighbours }>('mnist-multiclass.json');
    const { train } = await loadMnist();
    const got = await kNearestNeighbors(rowRange(train.X, fx.train_rows), rowRange(train.X, fx.query_rows).head(10), fx.neighbours.k);
    expectSameNeighbours(got, fx.neighbours, 10, true);
  });

  it('on pixels + noise up to 354 (quantized path: byte candidates, float64 re-rank): mnist-noisy.json', async () => {
    const fx = knnFixture<{ train_rows: number[]; query_rows: number[]; neighbours: FixtureNeighbours }>('mnist-noisy.json');
    const { train } = await loadMnist();
    const X = withNoise(rowRange(train.X, fx.train_rows));
    const Q = withNoise(rowRange(train.X, fx.query_rows)).head(10);
    expectSameNeighbours(await kNearestNeighbors(X, Q, fx.neighbours.k), fx.neighbours, 10, true);
  });

  it('with many equal distances: synthetic-ties.json', async () => {
    // scikit-learn's choice among equal distances comes from its heap and unstable sort;
    // ours is the lower training index. So: the distances agree everywhere, and where no
    // tie straddles the k-th place the neighbours are the same set, listed by (distance, index).
    const fx = knnFixture<{ X: number[][]; Q: number[][]; neighbours: FixtureNeighbours }>('synthetic-ties.json');
    const k = 13;
    const asUint8 = (m: Matrix) => new Matrix(Uint8Array.from(m.data), m.rows, m.cols);
    for (const [X, Q] of [
      [matrixOf(fx.X), matrixOf(fx.Q)],
      [asUint8(matrixOf(fx.X)), asUint8(matrixOf(fx.Q))],
    ]) {
      const got = await kNearestNeighbors(X, Q, k);
      let determined = 0;
      fx.neighbours.distances.forEach((dist, i) => {
        expect(Array.from(got.sqDistances.subarray(i * k, (i + 1) * k), Math.sqrt)).toEqual(dist.slice(0, k));
        if (dist[k - 1] === dist[k]) return;
        determined++;
        const want = fx.neighbours.indices[i].slice(0, k).map((idx, j) => [dist[j], idx]);
        want.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(Array.from(got.indices.subarray(i * k, (i + 1) * k))).toEqual(want.map((p) => p[1]));
      });
      expect(determined).toBeGreaterThan(20);
    }
  });

  it('on real-valued data (quantized path, float64 re-ranking): synthetic-float.json', async () => {
    const fx = knnFixture<{ X: number[][]; Q: number[][]; neighbours: FixtureNeighbours }>('synthetic-float.json');
    const got = await kNearestNeighbors(matrixOf(fx.X), matrixOf(fx.Q), fx.neighbours.k);
    expectSameNeighbours(got, fx.neighbours, fx.Q.length, false);
  });
});

describe('NeighborIndex', () => {
  it('gives the same answer whatever the chunk size (synthetic-ties.json)', async () => {
    const fx = knnFixture<{ X: number[][]; Q: number[][] }>('synthetic-ties.json');
    const index = new NeighborIndex(matrixOf(fx.X), { maxChunkBytes: 1 });
    const whole = await new NeighborIndex(matrixOf(fx.X)).search(matrixOf(fx.Q), 9);
    expect(await index.search(matrixOf(fx.Q), 9)).toEqual(whole);
  });

  it('retries uncertain float queries with more candidates and stays exact', async () => {
    // Hand-made: 40 training rows at exactly the same distance 0.5 from the query, and
    // one nearer at 0.1. Only candidate widening (2k+16 = 18 first) can see all of them.
    const rows = 41;
    const X = new Float64Array(rows * 2);
    for (let i = 0; i < 40; i++) X[i * 2] = i % 2 === 0 ? 0.5 : -0.5;
    X[40 * 2 + 1] = 0.1;
    const got = await kNearestNeighbors(new Matrix(X, rows, 2), new Matrix(Float64Array.of(0, 0), 1, 2), 3);
    expect(Array.from(got.indices)).toEqual([40, 0, 1]);
    expect(Array.from(got.sqDistances)).toEqual([0.1 * 0.1, 0.25, 0.25]);
  });

  it('uint8 data of any byte length: the int8 shift reaches every byte (brute force by hand)', async () => {
    // 7 x 3 = 21 bytes: not a multiple of 4, so the shift's word loop leaves a tail. Values
    // span 0..255 so both sides of the shift's sign bit occur. Reference: a plain loop over
    // the integer squared distances, ties to the lower index.
    const X = Uint8Array.from({ length: 21 }, (_, i) => (i * 97 + 13) % 256);
    const Q = Uint8Array.from([0, 255, 128, 200, 1, 77]);
    const got = await kNearestNeighbors(new Matrix(X, 7, 3), new Matrix(Q, 2, 3), 7);
    for (let q = 0; q < 2; q++) {
      const want = Array.from({ length: 7 }, (_, t) => {
        let sq = 0;
        for (let j = 0; j < 3; j++) sq += (X[t * 3 + j] - Q[q * 3 + j]) ** 2;
        return [sq, t];
      }).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      expect(Array.from(got.indices.subarray(q * 7, (q + 1) * 7))).toEqual(want.map((p) => p[1]));
      expect(Array.from(got.sqDistances.subarray(q * 7, (q + 1) * 7))).toEqual(want.map((p) => p[0]));
    }
  });

  it('rejects bad k, mismatched widths and non-finite data', async () => {
    const index = new NeighborIndex(new Matrix(Float64Array.of(0, 1, 2, 3), 2, 2));
    await expect(index.search(new Matrix(Float64Array.of(0, 1), 1, 2), 3)).rejects.toThrow('k must be an integer in [1, 2], got 3');
    await expect(index.search(new Matrix(Float64Array.of(0, 1, 2), 1, 3), 1)).rejects.toThrow('queries have 3 features, the training data has 2');
    expect(() => new NeighborIndex(new Matrix(Float64Array.of(0, NaN), 1, 2))).toThrow('training data contains NaN or infinity');
  });
});

/** Reference: a plain loop over float64 squared distances (exact for these integers), ties to the lower index. */
function bruteForce(X: Matrix, Q: Matrix, k: number): { indices: number[]; sqDistances: number[] } {
  const indices: number[] = [];
  const sqDistances: number[] = [];
  for (let q = 0; q < Q.rows; q++) {
    const all = Array.from({ length: X.rows }, (_, t) => {
      let sq = 0;
      for (let j = 0; j < X.cols; j++) sq += (X.get(t, j) - Q.get(q, j)) ** 2;
      return [sq, t];
    }).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [sq, t] of all.slice(0, k)) {
      indices.push(t);
      sqDistances.push(sq);
    }
  }
  return { indices, sqDistances };
}

describe('the quantized plan (bytes propose, float64 decides) is exact', () => {
  /** `rows` x `cols` integers from a small linear congruential generator, in 0..max. */
  function integers(rows: number, cols: number, max: number, seed: number): Float64Array {
    let s = seed;
    return Float64Array.from({ length: rows * cols }, () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s % (max + 1);
    });
  }

  it('on integers 0..355 with both ends, duplicate rows (ties) and queries equal to training rows', async () => {
    const d = 140; // 140 * 355^2 > 2^24: too wide for the single float32 GEMM of the integer plan
    const X = integers(300, d, 355, 7);
    X.fill(0, 0, d); // row 0 all 0, row 1 all 355: the grid's two ends
    X.fill(355, d, 2 * d);
    for (let r = 0; r < 40; r++) X.copyWithin((100 + r) * d, (50 + (r % 4)) * d, (51 + (r % 4)) * d); // 10 copies each of rows 50..53
    const Q = new Float64Array([...X.subarray(0, 2 * d), ...X.subarray(50 * d, 54 * d), ...integers(20, d, 355, 99)]);
    const train = new Matrix(X, 300, d);
    const queries = new Matrix(Q, Q.length / d, d);
    const got = await kNearestNeighbors(train, queries, 13);
    const want = bruteForce(train, queries, 13);
    expect(Array.from(got.indices)).toEqual(want.indices);
    expect(Array.from(got.sqDistances)).toEqual(want.sqDistances);
  });

  it('on integers float32 cannot hold (2^24 + odd values) and queries outside the training range (clamped bytes)', async () => {
    const d = 8;
    const X = Float64Array.from(integers(200, d, 355, 3), (v) => 2 ** 24 + 2 * v + 1);
    // below the grid's origin and above its top: their bytes clamp to 0 and 255
    const Q = Float64Array.from(integers(12, d, 1200, 5), (v) => 2 ** 24 - 300 + v);
    const train = new Matrix(X, 200, d);
    const queries = new Matrix(Q, 12, d);
    const got = await kNearestNeighbors(train, queries, 5);
    const want = bruteForce(train, queries, 5);
    expect(Array.from(got.indices)).toEqual(want.indices);
    expect(Array.from(got.sqDistances)).toEqual(want.sqDistances);
  });

  it('counts the rounding residuals in its bound (hand-made, one feature, step 1/255)', async () => {
    // Query 0.5 step - 1e-6 has byte 0; rows 0..16 sit at 0 (byte 0, distance 0.5 step), row 17
    // at 1.4 steps and row 18 at 0.5 step + 1e-6 (both byte 1), row 19 at 1 (the grid's top).
    // The first 2k + 16 = 18 candidates are rows 0..17 (ties to the lower index), the 18th at
    // byte distance 1. Without the residuals (0.5 step each) that would certify row 0 (0.5 step
    // < 1 step); with them nothing is certified and the float32 plan finds row 18, 2e-6 away.
    const step = 1 / 255;
    const X = new Float64Array(20);
    X[17] = 1.4 * step;
    X[18] = 0.5 * step + 1e-6;
    X[19] = 1;
    const got = await kNearestNeighbors(new Matrix(X, 20, 1), new Matrix(Float64Array.of(0.5 * step - 1e-6), 1, 1), 1);
    expect(Array.from(got.indices)).toEqual([18]);
  });

  it('clamps a query above the training range to byte 255 (hand-made, one feature, step 1/255)', async () => {
    // Row 0 at 0, rows 1..29 at 227/255 ..255/255; the query 300/255 is byte 300, which as an
    // unclamped byte would wrap to 44 and make rows 0..17 the candidates, certifying row 17.
    // Clamped to 255 (residual 45/255) the nearest row, 29 at distance 45/255, is found.
    const X = Float64Array.from({ length: 30 }, (_, i) => (i === 0 ? 0 : (226 + i) / 255));
    const got = await kNearestNeighbors(new Matrix(X, 30, 1), new Matrix(Float64Array.of(300 / 255), 1, 1), 1);
    expect(Array.from(got.indices)).toEqual([29]);
  });

  it('hands queries the bytes cannot certify to the float32 plan (one outlier makes the grid too coarse)', async () => {
    // 1e6 in row 0 makes the step 1e6 / 255, so every other value's byte is 0: all rows but
    // row 0 tie in bytes, and the candidates (the lowest indices) miss the true neighbours.
    const d = 4;
    const X = integers(120, d, 50, 11);
    X[0] = 1e6;
    const Q = new Float64Array(integers(6, d, 50, 13));
    const train = new Matrix(X, 120, d);
    const queries = new Matrix(Q, 6, d);
    const got = await kNearestNeighbors(train, queries, 3);
    const want = bruteForce(train, queries, 3);
    expect(Array.from(got.indices)).toEqual(want.indices);
    expect(Array.from(got.sqDistances)).toEqual(want.sqDistances);
    expect(want.indices.some((t) => t >= 2 * 3 + 16)).toBe(true); // beyond the first candidates
  });
});
