import { Matrix } from '../matrix.js';
import { kernelDiagonal, kernelMatrix, selectRows, type KernelRows, type SvmKernel } from '../kernels/svm-kernel.js';
import type { KernelOptions } from '../kernels/session.js';
import { solveSmo, type SmoOptions } from './svm-solver.js';

/**
 * A trained libsvm C-SVC model in scikit-learn's layout (before its binary sign flip):
 * support vectors grouped by class, `dual_coef_` as libsvm's `sv_coef`, `rho` per pair.
 */
export interface LibsvmModel {
  nClasses: number;
  /** Training-row indices of the support vectors, grouped by class (`support_`). */
  support: Int32Array;
  /** Support vectors per class (`n_support_`). */
  nSupport: Int32Array;
  /** (nClasses - 1) x support vectors (`_dual_coef_`). */
  dualCoef: Matrix<Float64Array>;
  /** One per class pair (0,1), (0,2), ..., (1,2), ...; `_intercept_ = -rho`. */
  rho: Float64Array;
  /** Solver iterations per class pair (`n_iter_`). */
  nIter: Int32Array;
  /** True when `max_iter` stopped some pair's solver early (`fit_status_ = 1`). */
  timedOut: boolean;
}

/** What one libsvm training run needs besides the data. */
export interface LibsvmTrainOptions extends SmoOptions {
  kernel: SvmKernel;
  C: number;
  kernelOptions?: KernelOptions;
}

/**
 * Largest kernel matrix over all training rows computed once and shared by the class
 * pairs (float32; 512 MiB is 11,585 rows). Larger sets compute each pair's own matrix.
 */
const FULL_GRAM_BYTES = 512 * 2 ** 20;

/** A pair's Q from the full kernel matrix: rows `local`, the first `nPositive` of them +1, the rest -1. */
function pairGram(gram: Float32Array, n: number, local: Int32Array, nPositive: number): Float32Array {
  const l = local.length;
  const q = new Float32Array(l * l);
  for (let a = 0; a < l; a++) {
    const src = local[a] * n;
    for (let b = 0; b < l; b++) q[a * l + b] = gram[src + local[b]];
  }
  return signRows(q, l, nPositive);
}

/** `Q[a][b] = y_a y_b K[a][b]` in place (negating a float32 is exact, so rounding order does not matter). */
function signRows(q: Float32Array, l: number, nPositive: number): Float32Array {
  for (let a = 0; a < l; a++) {
    const [from, to] = a < nPositive ? [nPositive, l] : [0, nPositive];
    for (let b = from; b < to; b++) q[a * l + b] = -q[a * l + b];
  }
  return q;
}

/**
 * libsvm's `svm_train` for C-SVC as scikit-learn 1.2 ships it: samples grouped by class
 * (classes sorted, original order within a class), one binary problem per class pair
 * (i < j, class i as +1, in that order), the union of every pair's support vectors.
 * @param codes - each sample's class index in 0..nClasses-1
 */
export async function trainLibsvm(X: KernelRows, codes: Int32Array, nClasses: number, options: LibsvmTrainOptions): Promise<LibsvmModel> {
  const count = new Int32Array(nClasses);
  for (const c of codes) count[c]++;
  const start = new Int32Array(nClasses);
  for (let c = 1; c < nClasses; c++) start[c] = start[c - 1] + count[c - 1];
  const perm = new Int32Array(codes.length);
  const next = Int32Array.from(start);
  codes.forEach((c, i) => (perm[next[c]++] = i));

  const n = codes.length;
  const gram = n * n * 4 <= FULL_GRAM_BYTES ? await kernelMatrix(options.kernel, X, options.kernelOptions) : null;
  const nonzero = new Uint8Array(n);
  const pairs: { coef: Float64Array; rho: number }[] = [];
  const nIter = new Int32Array((nClasses * (nClasses - 1)) / 2);
  let timedOut = false;
  for (let i = 0; i < nClasses; i++) {
    for (let j = i + 1; j < nClasses; j++) {
      const local = Int32Array.from([...perm.subarray(start[i], start[i] + count[i]), ...perm.subarray(start[j], start[j] + count[j])]);
      const l = local.length;
      const y = Int8Array.from({ length: l }, (_, k) => (k < count[i] ? 1 : -1));
      const q = gram ? pairGram(gram, n, local, count[i]) : signRows(await kernelMatrix(options.kernel, selectRows(X, local), options.kernelOptions), l, count[i]);
      const Q = { l, q, diag: Float64Array.from(local, (r) => kernelDiagonal(options.kernel, X.normsSq[r])) };
      const result = solveSmo(Q, y, new Float64Array(l).fill(options.C), options);
      nIter[pairs.length] = result.iterations;
      timedOut ||= result.timedOut;
      pairs.push({ coef: result.coef, rho: result.rho });
      for (let k = 0; k < count[i]; k++) if (Math.abs(result.coef[k]) > 0) nonzero[start[i] + k] = 1;
      for (let k = 0; k < count[j]; k++) if (Math.abs(result.coef[count[i] + k]) > 0) nonzero[start[j] + k] = 1;
    }
  }

  const nSupport = new Int32Array(nClasses);
  for (let c = 0; c < nClasses; c++) for (let k = 0; k < count[c]; k++) nSupport[c] += nonzero[start[c] + k];
  const support = Int32Array.from(perm.filter((_, p) => nonzero[p] === 1));
  const nSv = support.length;
  const nzStart = new Int32Array(nClasses);
  for (let c = 1; c < nClasses; c++) nzStart[c] = nzStart[c - 1] + nSupport[c - 1];
  // Pair (i, j): class i's coefficients go to row j-1, class j's to row i (libsvm's sv_coef).
  const dual = new Float64Array((nClasses - 1) * nSv);
  let p = 0;
  for (let i = 0; i < nClasses; i++) {
    for (let j = i + 1; j < nClasses; j++, p++) {
      const { coef } = pairs[p];
      let q = nzStart[i];
      for (let k = 0; k < count[i]; k++) if (nonzero[start[i] + k]) dual[(j - 1) * nSv + q++] = coef[k];
      q = nzStart[j];
      for (let k = 0; k < count[j]; k++) if (nonzero[start[j] + k]) dual[i * nSv + q++] = coef[count[i] + k];
    }
  }
  return {
    nClasses,
    support,
    nSupport,
    dualCoef: new Matrix(dual, nClasses - 1, nSv),
    rho: Float64Array.from(pairs, (f) => f.rho),
    nIter,
    timedOut,
  };
}

/**
 * The decision coefficients as one support vectors x pairs matrix (libsvm's
 * `svm_predict_values` reads pair (i, j) from `sv_coef[j-1]` for class i's vectors and
 * `sv_coef[i]` for class j's; every other vector weighs 0 in that pair).
 */
export function pairCoefficients(model: Pick<LibsvmModel, 'nClasses' | 'nSupport' | 'dualCoef'>): Matrix<Float64Array> {
  const { nClasses, nSupport, dualCoef } = model;
  const nSv = dualCoef.cols;
  const nPairs = (nClasses * (nClasses - 1)) / 2;
  const start = new Int32Array(nClasses);
  for (let c = 1; c < nClasses; c++) start[c] = start[c - 1] + nSupport[c - 1];
  const out = new Float64Array(nSv * nPairs);
  let p = 0;
  for (let i = 0; i < nClasses; i++) {
    for (let j = i + 1; j < nClasses; j++, p++) {
      for (let k = start[i]; k < start[i] + nSupport[i]; k++) out[k * nPairs + p] = dualCoef.data[(j - 1) * nSv + k];
      for (let k = start[j]; k < start[j] + nSupport[j]; k++) out[k * nPairs + p] = dualCoef.data[i * nSv + k];
    }
  }
  return new Matrix(out, nSv, nPairs);
}
