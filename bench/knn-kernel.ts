/**
 * Native kNN kernel benchmark and MNIST sanity check.
 * Run: npx tsx bench/knn-kernel.ts   (GRIDFOLD_THREADS=1 to pin one thread)
 *
 * Prints GEMM throughput, kneighbors(10,000 test x 60,000 train, k=6) time on each exact
 * path with its wall and CPU time over the uint8 path's in the same run, and the test accuracies the seed notebook prints: KNN(5) 0.9688 and
 * KNN(n_neighbors=4, weights='distance') 0.9714.
 */
import { loadMnist } from '../packages/core/src/datasets/mnist.js';
import { KNeighborsClassifier } from '../packages/core/src/estimators/knn.js';
import { NeighborIndex } from '../packages/core/src/kernels/neighbors.js';
import { ElementType as E, type ElementTypeCode } from '../packages/core/src/kernels/onnx-graph.js';
import { cachedSession, ort, resolveThreads } from '../packages/core/src/kernels/session.js';
import { Matrix } from '../packages/core/src/matrix.js';
import { configureBench } from './configure.js';

const SEED_ACCURACY = { uniform5: 0.9688, distance4: 0.9714 };

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
}

/** GFLOP/s of a 2000x784 by 784x12000 product (DESIGN.md's reference shape), output reduced to one column. */
async function gemmThroughput(op: 'MatMul' | 'MatMulInteger', type: ElementTypeCode, A: ort.Tensor, B: ort.Tensor): Promise<number> {
  const aType = op === 'MatMulInteger' ? E.uint8 : type;
  const out = op === 'MatMul' ? type : E.int32;
  const session = await cachedSession(`bench_${op}_${type}`, () => ({
    name: 'bench',
    inputs: [
      { name: 'a', type: aType, shape: ['m', 784] },
      { name: 'b', type, shape: [784, 'n'] },
    ],
    outputs: [{ name: 'r', type: out, shape: ['m', 1] }],
    nodes: [
      { op, inputs: ['a', 'b'], outputs: ['c'] },
      { op: 'ReduceMax', inputs: ['c'], outputs: ['r'], attributes: { axes: [1] } },
    ],
  }));
  await session.run({ a: A, b: B });
  const reps = 5;
  const [, ms] = await timed(async () => {
    for (let i = 0; i < reps; i++) await session.run({ a: A, b: B });
  });
  return (2 * 2000 * 784 * 12000 * reps) / (ms / 1000) / 1e9;
}

function accuracy(pred: Int32Array, y: Int32Array): number {
  let hits = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) hits++;
  return hits / y.length;
}

configureBench();
const { train, test } = await loadMnist();
console.log(`threads: ${resolveThreads()}`);

const pixels = Uint8Array.from({ length: 2000 * 784 }, (_, i) => train.X.data[i]);
const pixelsB = Uint8Array.from({ length: 784 * 12000 }, (_, i) => train.X.data[(i * 7) % train.X.data.length]);
const f32 = await gemmThroughput('MatMul', E.float, new ort.Tensor('float32', Float32Array.from(pixels), [2000, 784]), new ort.Tensor('float32', Float32Array.from(pixelsB), [784, 12000]));
const u8 = await gemmThroughput('MatMulInteger', E.uint8, new ort.Tensor('uint8', pixels, [2000, 784]), new ort.Tensor('uint8', pixelsB, [784, 12000]));
// The search's kernel: uint8 queries x int8 (t - 128) training rows (VNNI where the CPU has it).
const s8 = await gemmThroughput('MatMulInteger', E.int8, new ort.Tensor('uint8', pixels, [2000, 784]), new ort.Tensor('int8', Int8Array.from(pixelsB, (v) => v - 128), [784, 12000]));
const f64 = await gemmThroughput('MatMul', E.double, new ort.Tensor('float64', Float64Array.from(pixels), [2000, 784]), new ort.Tensor('float64', Float64Array.from(pixelsB), [784, 12000]));
console.log(`GEMM 2000x784x12000: float32 ${f32.toFixed(0)} GFLOP/s, MatMulInteger uint8 x uint8 ${u8.toFixed(0)} GOP/s, uint8 x int8 ${s8.toFixed(0)} GOP/s, float64 ${f64.toFixed(0)} GFLOP/s`);

const flops = 2 * test.X.rows * train.X.rows * 784;
let cpu = process.cpuUsage();
/**
 * Wall time, effective rate, and this process's user/system CPU since the last report; with
 * `base` (the uint8 path's figures), the ratios to it. Returns this report's figures.
 */
const report = (label: string, ms: number, base?: { ms: number; cpuMs: number }) => {
  const used = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  const cpuMs = (used.user + used.system) / 1000;
  const ratios = base ? `, ${(ms / base.ms).toFixed(2)}x the uint8 path's wall time, ${(cpuMs / base.cpuMs).toFixed(2)}x its CPU` : '';
  console.log(`${label}: ${(ms / 1000).toFixed(2)} s (${(flops / (ms / 1000) / 1e9).toFixed(0)} effective GFLOP/s), cpu user ${(used.user / 1e6).toFixed(2)} s sys ${(used.system / 1e6).toFixed(2)} s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB${ratios}`);
  return { ms, cpuMs };
};

const index = new NeighborIndex(train.X);
const [, prepMs] = await timed(() => index.search(test.X.head(1), 6));
console.log(`index preparation (transpose + norms, first query): ${prepMs.toFixed(0)} ms`);
cpu = process.cpuUsage();
const [, pixelMs] = await timed(() => index.search(test.X, 6));
const uint8Path = report('kneighbors 10,000 x 60,000, k=6, pixels (uint8 path)', pixelMs);

const noisy = (X: Matrix) => new Matrix(Float64Array.from(X.data, (v, i) => v + ((i * 2654435761) % 101)), X.rows, X.cols);
// Each index's one-off preparation (bytes, transposed copies) is timed apart, as for pixels.
const noisyIndex = new NeighborIndex(noisy(train.X));
const noisyQueries = noisy(test.X);
await noisyIndex.search(noisyQueries.head(1), 6);
cpu = process.cpuUsage();
const [, noisyMs] = await timed(() => noisyIndex.search(noisyQueries, 6));
report('kneighbors 10,000 x 60,000, k=6, pixels + noise 0..100 (quantized path)', noisyMs, uint8Path);

const scaled = (X: Matrix) => new Matrix(Float64Array.from(X.data, (v) => v / 255), X.rows, X.cols);
const floatIndex = new NeighborIndex(scaled(train.X));
const floatQueries = scaled(test.X);
await floatIndex.search(floatQueries.head(1), 6);
cpu = process.cpuUsage();
const [, floatMs] = await timed(() => floatIndex.search(floatQueries, 6));
report('kneighbors 10,000 x 60,000, k=6, pixels / 255 (quantized path)', floatMs, uint8Path);

const knn = await new KNeighborsClassifier({ n_neighbors: 5 }).fit(train.X, train.y);
const [[uniform5, distance4], predictMs] = await timed(() =>
  knn.predictMany(test.X, [{ n_neighbors: 5, weights: 'uniform' }, { n_neighbors: 4, weights: 'distance' }]),
);
const acc5 = accuracy(uniform5 as Int32Array, test.y);
const acc4 = accuracy(distance4 as Int32Array, test.y);
console.log(`predictMany (2 settings, one search): ${(predictMs / 1000).toFixed(2)} s`);
console.log(`KNN(5) test accuracy ${acc5} (seed ${SEED_ACCURACY.uniform5}) ${acc5 === SEED_ACCURACY.uniform5 ? 'OK' : 'MISMATCH'}`);
console.log(`KNN(4, distance) test accuracy ${acc4} (seed ${SEED_ACCURACY.distance4}) ${acc4 === SEED_ACCURACY.distance4 ? 'OK' : 'MISMATCH'}`);
if (acc5 !== SEED_ACCURACY.uniform5 || acc4 !== SEED_ACCURACY.distance4) process.exitCode = 1;
