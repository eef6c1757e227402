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

  it('on pixels + noise up to 354 (split float32 GEMM path): mnist-noisy.json', async () => {
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

  it('on real-valued data (float32 candidates, float64 re-ranking): synthetic-float.json', async () => {
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
