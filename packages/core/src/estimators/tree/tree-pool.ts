import type { Worker } from 'node:worker_threads';
import { kernelThreads } from '../../kernels/kernel-settings.js';
import { WorkerPool } from '../../kernels/worker-pool.js';
import type { NumericArray } from '../../matrix.js';
import type { BinnedData } from './binned-data.js';
import { buildTree, reserveTreeSlots, type TreeArrays, type TreeOptions } from './build-tree.js';
import { accumulateProba } from './predict.js';

/** The trees of one forest to grow: shared inputs and one seed per tree. */
export interface ForestJob {
  /** Binned training data; its values and offsets on SharedArrayBuffers when more than one thread builds. */
  data: BinnedData;
  /** Class index per row; on a SharedArrayBuffer when more than one thread builds. */
  y: Int32Array;
  options: TreeOptions;
  seeds: number[];
}

/**
 * The message a tree worker receives: grow tree `index` in slot `slot` of the data's memory
 * (the worker's own), or sum the trees' probabilities over rows.
 */
export type TreeRequest =
  | { kind: 'grow'; index: number; seed: number; data: BinnedData; y: Int32Array; options: TreeOptions; slot: number }
  | {
      kind: 'predict';
      trees: TreeArrays[];
      /** Row-major features on a SharedArrayBuffer, `cols` per row. */
      x: NumericArray;
      cols: number;
      nClasses: number;
      rowStart: number;
      rowEnd: number;
      /** Summed class fractions, `rows x nClasses`, on a SharedArrayBuffer: rows `[rowStart, rowEnd)` are written. */
      out: Float64Array;
    };

/** A tree worker's answer: a grown tree, or a finished row range. */
type TreeReply = { kind: 'grown'; index: number; tree: TreeArrays } | { kind: 'predicted' };

/** Tree workers, kept between forests: cross-validation's folds and a sweep's cells reuse them. */
const pool = new WorkerPool(new URL('./tree-worker.js', import.meta.url), 'tree');

/**
 * Threads that grow trees: the process's kernel threads (`configureKernels`), else
 * `os.availableParallelism()`.
 */
export function forestThreads(): number {
  return kernelThreads();
}

/** The idle tree workers (a copy of the list), for tests and shutdown. */
export function idleTreeWorkers(): Worker[] {
  return pool.idleWorkers();
}

/**
 * Grows every tree of `job`, on `threads` worker threads (inline when 1). Each tree
 * depends on its seed alone and trees come back in seed order, so the forest is the same
 * for any number of threads. Workers are handed the next tree as they finish one.
 */
export async function buildForest(job: ForestJob, threads: number): Promise<TreeArrays[]> {
  const nWorkers = Math.min(threads, job.seeds.length);
  reserveTreeSlots(job.data, job.options, Math.max(1, nWorkers));
  if (nWorkers <= 1) return job.seeds.map((seed) => buildTree(job.data, job.y, job.options, seed, 0));
  const trees: TreeArrays[] = new Array(job.seeds.length);
  const requests = job.seeds.map((seed, index) => ({ kind: 'grow' as const, index, seed, data: job.data, y: job.y, options: job.options, slot: 0 }));
  // Each worker grows its trees in its own slot of the working arrays in the shared memory.
  await pool.run<(typeof requests)[number], TreeReply>(nWorkers, requests, (request, reply) => {
    if (reply.kind === 'grown') trees[request.index] = reply.tree;
  }, (request, slot) => ({ ...request, slot }));
  return trees;
}

/**
 * Sums every tree's class fractions for each row of `x` (row-major, `cols` per row) into
 * `out` (`rows x nClasses`), on `threads` worker threads (inline when 1). Threads take
 * blocks of rows, and each row adds the trees in order, so the sums are the same for any
 * number of threads.
 */
export async function sumTreeProba(trees: TreeArrays[], x: NumericArray, rows: number, cols: number, nClasses: number, threads: number): Promise<Float64Array> {
  if (threads <= 1) {
    const out = new Float64Array(rows * nClasses);
    accumulateProba(trees, x, cols, nClasses, 0, rows, out);
    return out;
  }
  const Ctor = x.constructor as new (b: SharedArrayBuffer) => typeof x;
  const shared = new Ctor(new SharedArrayBuffer(x.byteLength));
  shared.set(x as never);
  const out = new Float64Array(new SharedArrayBuffer(rows * nClasses * 8));
  // A few blocks per thread, so a thread slowed by other processes does not hold up the rest.
  const nBlocks = Math.min(rows, threads * 4), step = Math.ceil(rows / nBlocks);
  const requests: TreeRequest[] = [];
  for (let r = 0; r < rows; r += step) requests.push({ kind: 'predict', trees, x: shared, cols, nClasses, rowStart: r, rowEnd: Math.min(rows, r + step), out });
  await pool.run(threads, requests, () => {});
  return out.slice();
}
