/**
 * One and two threads for the same dense one-vs-rest SGD fit, alternated in one process so
 * a shared machine's load falls on both alike: MNIST's first `subset` images, standardised,
 * SGDClassifier(random_state=42, max_iter) fitted `rounds` times each way (order swapped
 * every round), wall and CPU time (every thread's) per fit, coefficients compared bit for bit.
 *
 *   node --import tsx bench/sgd-threads-pair.ts [--subset 6667] [--max-iter 30] [--rounds 3]
 */
import { loadavg } from 'node:os';
import { loadMnist } from '../packages/core/src/datasets/mnist.js';
import { configureKernels } from '../packages/core/src/kernels/kernel-settings.js';
import { SGDClassifier } from '../packages/core/src/estimators/sgd.js';
import { StandardScaler } from '../packages/core/src/estimators/standard-scaler.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const subset = arg('--subset', 6667), maxIter = arg('--max-iter', 30), rounds = arg('--rounds', 3);
const { train } = await loadMnist();
const raw = train.X.head(subset);
const X = await (await new StandardScaler().fit(raw)).transform(raw);
const y = train.y.slice(0, subset);
console.log(`first ${subset} images, standardised, SGDClassifier(random_state=42, max_iter=${maxIter}); load average (1 min) before: ${loadavg()[0].toFixed(2)}`);

async function fit(threads: number): Promise<{ wall: number; cpu: number; coef: Float64Array }> {
  configureKernels({ threads });
  const t0 = performance.now(), c0 = process.cpuUsage();
  const clf = await new SGDClassifier({ random_state: 42, max_iter: maxIter }).fit(X, y);
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000, coef: Float64Array.from([...clf.coef!.data, ...clf.intercept!]) };
}

await fit(2); // starts the worker thread (tsx and the SGD modules load once per process)
const sums = { 1: { wall: 0, cpu: 0 }, 2: { wall: 0, cpu: 0 } };
let reference: Float64Array | undefined, differing = 0;
for (let r = 0; r < rounds; r++) {
  for (const threads of r % 2 === 0 ? [1, 2] : [2, 1]) {
    const got = await fit(threads);
    reference ??= got.coef;
    differing += got.coef.filter((v, i) => !Object.is(v, reference![i])).length;
    sums[threads as 1 | 2].wall += got.wall;
    sums[threads as 1 | 2].cpu += got.cpu;
    console.log(`round ${r}, ${threads} thread(s): wall ${got.wall.toFixed(0)} ms, cpu ${got.cpu.toFixed(0)} ms`);
  }
}
console.log(`total: 1 thread wall ${sums[1].wall.toFixed(0)} ms cpu ${sums[1].cpu.toFixed(0)} ms; 2 threads wall ${sums[2].wall.toFixed(0)} ms cpu ${sums[2].cpu.toFixed(0)} ms`);
console.log(`1 / 2 threads: wall ${(sums[1].wall / sums[2].wall).toFixed(2)}x, cpu ${(sums[1].cpu / sums[2].cpu).toFixed(2)}x; values differing between runs: ${differing}`);
console.log(`load average (1 min) after: ${loadavg()[0].toFixed(2)}`);
