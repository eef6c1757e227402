import { Worker } from 'node:worker_threads';
import { kernelThreads } from '../../kernels/kernel-settings.js';
import type { BinnedData } from './binned-data.js';
import { buildTree, type TreeArrays, type TreeOptions } from './build-tree.js';

/** The trees of one forest to grow: shared inputs and one seed per tree. */
export interface ForestJob {
  /** Binned training data; on SharedArrayBuffers when more than one thread builds. */
  data: BinnedData;
  /** Class index per row; on a SharedArrayBuffer when more than one thread builds. */
  y: Int32Array;
  options: TreeOptions;
  seeds: number[];
}

/** The message a tree worker receives: everything to grow tree `index`. */
export interface TreeRequest {
  index: number;
  seed: number;
  data: BinnedData;
  y: Int32Array;
  options: TreeOptions;
}

const WORKER_URL = new URL('./tree-worker.js', import.meta.url);

/**
 * Threads that grow trees: the process's kernel threads (`configureKernels`), else
 * `os.availableParallelism()`.
 */
export function forestThreads(): number {
  return kernelThreads();
}

/**
 * Grows every tree of `job`, on `threads` worker threads (inline when 1). Each tree
 * depends on its seed alone and trees come back in seed order, so the forest is the same
 * for any number of threads. Workers are handed the next tree as they finish one, and
 * are terminated when the forest is done or a tree fails.
 */
export async function buildForest(job: ForestJob, threads: number): Promise<TreeArrays[]> {
  const nWorkers = Math.min(threads, job.seeds.length);
  if (nWorkers <= 1) return job.seeds.map((seed) => buildTree(job.data, job.y, job.options, seed));
  const workers = Array.from({ length: nWorkers }, () => new Worker(WORKER_URL));
  const trees: TreeArrays[] = new Array(job.seeds.length);
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0, done = 0;
      const feed = (worker: Worker): void => {
        if (next >= job.seeds.length) return;
        const index = next++;
        const request: TreeRequest = { index, seed: job.seeds[index], data: job.data, y: job.y, options: job.options };
        worker.postMessage(request);
      };
      for (const worker of workers) {
        worker.on('message', (msg: { index: number; tree: TreeArrays }) => {
          trees[msg.index] = msg.tree;
          if (++done === job.seeds.length) resolve();
          else feed(worker);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (done < job.seeds.length) reject(new Error(`a tree worker exited with code ${code} before the forest was grown`));
        });
        feed(worker);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return trees;
}
