/**
 * How the query chunk size of the exact kNN search changes its time: the measurement behind
 * `SCORE_CHUNK_BYTES` and `MIN_CHUNK_QUERIES` in packages/core/src/kernels/neighbors.ts.
 * Run: GRIDFOLD_THREADS=1 npx tsx bench/knn-chunks.ts
 *
 * Times the uint8 path on MNIST pixels, k=6, for a fold of the seed grid (2,000 queries x
 * 8,000 training rows) and a full-size search (4,096 x 60,000), at the default chunk and
 * at fixed chunk sizes; best of 3 after one warm-up search. Prints one line per case.
 */
import { loadMnist } from '../packages/core/src/datasets/mnist.js';
import { NeighborIndex } from '../packages/core/src/kernels/neighbors.js';
import { resolveThreads } from '../packages/core/src/kernels/session.js';
import type { Matrix } from '../packages/core/src/matrix.js';

/**
 * Bytes per (query, training row) of the uint8 plan: its 3 live int32 score copies
 * (`SCORE_COPIES.uint8` in neighbors.ts), so `maxChunkBytes = rows * n * this` gives `rows`.
 */
const UINT8_BYTES_PER_SCORE = 3 * Int32Array.BYTES_PER_ELEMENT;
const CHUNK_QUERIES = [16, 32, 64, 131, 262, 512, 699, 1024];
const REPEATS = 3;
const K = 6;

async function bestOf(index: NeighborIndex, queries: Matrix): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    await index.search(queries, K);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const { train, test } = await loadMnist();
console.log(`threads: ${resolveThreads()}`);
const cases = [
  { label: '2,000 x 8,000', train: train.X.head(8000), queries: test.X.head(2000) },
  { label: '4,096 x 60,000', train: train.X, queries: test.X.head(4096) },
];
for (const c of cases) {
  const n = c.train.rows;
  const byDefault = new NeighborIndex(c.train);
  await byDefault.search(c.queries, K);
  console.log(`${c.label}, default chunk: ${(await bestOf(byDefault, c.queries)).toFixed(0)} ms`);
  for (const rows of CHUNK_QUERIES) {
    const index = new NeighborIndex(c.train, { maxChunkBytes: rows * n * UINT8_BYTES_PER_SCORE });
    await index.search(c.queries.head(1), K);
    console.log(`${c.label}, ${rows} queries a chunk: ${(await bestOf(index, c.queries)).toFixed(0)} ms`);
  }
}
