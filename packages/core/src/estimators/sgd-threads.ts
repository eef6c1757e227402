/**
 * The one-vs-rest problems of {@link interleavedSgd} spread over threads: the rows go once
 * into a shared WebAssembly memory, and each thread runs the same side-by-side loop
 * (`interleavedSgdOn`) on its own group of problems, writing only its problems' weights and
 * its own slot of dots. Problems share nothing but the rows, so every coefficient is the
 * bit the one-thread loop (and scikit-learn) gives, whatever the thread count.
 */
import { kernelThreads } from '../kernels/kernel-settings.js';
import { WorkerPool } from '../kernels/worker-pool.js';
import type { Matrix } from '../matrix.js';
import { DenseRows, type DenseRowsLayout } from './sgd-dense-rows.js';
import { interleavedSgd, interleavedSgdOn, SgdDivergedError } from './sgd-interleaved.js';
import type { PlainSgdOptions, PlainSgdResult } from './sgd-plain.js';

/** What an SGD worker is asked: fit problems `ks` (targets `ys`, seeds `seeds`) on `layout`'s rows, dots to `slot`. */
export interface SgdThreadRequest {
  layout: DenseRowsLayout;
  slot: number;
  ks: number[];
  ys: Float64Array[];
  seeds: number[];
  options: Omit<PlainSgdOptions, 'seed'>;
}

/** An SGD worker's answer: its problems' models, or the epoch at which one of them diverged. */
export type SgdThreadReply = { kind: 'fitted'; fits: PlainSgdResult[] } | { kind: 'diverged'; epoch: number };

/**
 * Value-steps (rows x columns x problems x the fewest epochs the fit can run) below which the
 * problems stay on one thread. 2^24 value-steps are ~6 ms of dots on one core here, about
 * what handing a group to a worker thread costs (posting, compiling its kernels, and the
 * first time ~0.25 s of CPU to start the worker).
 */
export const THREADED_WORK = 2 ** 24;

/**
 * SGD workers stay idle between fits, as tree workers do (starting one costs ~0.25 s of CPU,
 * more than a small fit). An idle worker lets go of the last fit's shared rows when V8 next
 * collects its garbage: with a 375 MiB memory, within 20 s of idling (measured here).
 */
const pool = new WorkerPool(new URL('./sgd-worker.js', import.meta.url), 'SGD');

/**
 * Threads for a dense one-vs-rest fit: the process's kernel threads (`configureKernels`:
 * GRIDFOLD_THREADS, a worker's per-task budget), at most one per problem; one when the fit is
 * too small to pay for a thread.
 */
export function sgdThreads(rows: number, cols: number, problems: number, o: Omit<PlainSgdOptions, 'seed'>): number {
  const fewestEpochs = o.tol > -Infinity ? Math.min(o.maxIter, o.nIterNoChange + 1) : o.maxIter;
  return rows * cols * problems * fewestEpochs < THREADED_WORK ? 1 : Math.max(1, Math.min(kernelThreads(), problems));
}

/**
 * {@link interleavedSgd} on `threads` threads: the problems split into that many contiguous
 * groups, the first run on this thread, the others on pooled worker threads. Returns the
 * same models, bit for bit, as one thread.
 * @throws SgdDivergedError at the first epoch at which any problem diverged, as one thread would.
 * @throws Error naming a worker that failed or exited; the pool's workers are terminated then.
 */
export async function threadedSgd(X: Matrix, ys: Float64Array[], seeds: number[], o: Omit<PlainSgdOptions, 'seed'>, threads: number): Promise<PlainSgdResult[]> {
  const K = ys.length;
  const T = Math.min(threads, K);
  if (T <= 1) return interleavedSgd(X, ys, seeds, o);
  const rows = DenseRows.fromMatrix(X, K, T);
  const groups = Array.from({ length: T }, (_, t) => {
    const ks: number[] = [];
    for (let k = Math.floor((t * K) / T); k < Math.floor(((t + 1) * K) / T); k++) ks.push(k);
    return ks;
  });
  const fits: PlainSgdResult[] = new Array(K);
  const diverged: number[] = [];
  const requests: SgdThreadRequest[] = groups.slice(1).map((ks, at) => ({
    layout: rows.layout, slot: at + 1, ks, ys: ks.map((k) => ys[k]), seeds: ks.map((k) => seeds[k]), options: o,
  }));
  const remote = pool.run<SgdThreadRequest, SgdThreadReply>(requests.length, requests, (request, reply) => {
    if (reply.kind === 'diverged') diverged.push(reply.epoch);
    else request.ks.forEach((k, at) => (fits[k] = reply.fits[at]));
  });
  // The first group runs here while the workers run theirs; a worker's failure waits for it.
  try {
    const ks = groups[0];
    const local = await interleavedSgdOn(rows, ks, ks.map((k) => ys[k]), ks.map((k) => seeds[k]), o);
    ks.forEach((k, at) => (fits[k] = local[at]));
  } catch (err) {
    if (!(err instanceof SgdDivergedError)) {
      remote.catch(() => {});
      throw err;
    }
    diverged.push(err.epoch);
  }
  await remote;
  // One thread stops at the first epoch at which any problem diverged: the earliest over the groups.
  if (diverged.length > 0) throw new SgdDivergedError(Math.min(...diverged));
  return fits;
}

/** The idle SGD workers (a copy of the list), for tests and shutdown. */
export function idleSgdWorkers(): ReturnType<WorkerPool['idleWorkers']> {
  return pool.idleWorkers();
}
