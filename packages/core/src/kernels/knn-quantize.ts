import type { NumericArray } from '../matrix.js';
import type { ValueStats } from './knn-plan.js';

/**
 * The quantized plan's candidate search: every value `x` is stored as the byte
 * `b = round((x - origin) / step)` (clamped to 0..255), so that `x - origin = step * b + e`
 * with a residual vector `e` per row. By the triangle inequality, for a query `q` and a
 * training row `t`, `|q - t| >= step * |b_q - b_t| - |e_q| - |e_t|`: the exact uint8 search
 * over the bytes, with the residual norms, bounds every row's true distance from below.
 * The bound holds for any bytes whatever (clamping or a poor grid only loosen it).
 */

/** Bytes per value: `x ~ origin + step * byte`. */
export interface ByteGrid {
  origin: number;
  step: number;
}

/**
 * Relative margin on the quantized lower bound and on the float64 exact distances it is
 * compared with: it covers float64 rounding in the residual norms, the square root and
 * the `d`-term distance sums (each off by at most about `(d + 3) 2^-53` relative, below
 * 1e-9 for `d` up to millions).
 */
export const QUANTIZED_MARGIN = 1e-9;

/** A grid spanning `stats` (the training range) with 256 levels. */
export function byteGrid(stats: ValueStats): ByteGrid {
  const step = (stats.max - stats.min) / 255;
  return { origin: stats.min, step: step > 0 ? step : 1 };
}

/** Quantized rows (`rows` x `cols` bytes) and each row's residual norm `|e|`. */
export function quantizeRows(data: NumericArray, rows: number, cols: number, grid: ByteGrid): { bytes: Uint8Array; residualNorms: Float64Array } {
  const { origin, step } = grid;
  const bytes = new Uint8Array(rows * cols);
  const residualNorms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sq = 0;
    for (let i = r * cols; i < (r + 1) * cols; i++) {
      const x = data[i] - origin;
      const b = Math.min(255, Math.max(0, Math.round(x / step)));
      bytes[i] = b;
      const e = x - step * b;
      sq += e * e;
    }
    residualNorms[r] = Math.sqrt(sq);
  }
  return { bytes, residualNorms };
}

/**
 * Whether a query's exact k-th squared distance `kthSq` is certified: every training row
 * outside its candidates (whose squared byte distances are all >= `cthByteSq`, the largest
 * candidate's) is then strictly farther, even after float64 rounding of its distance.
 * `queryResidual` and `maxTrainResidual` are residual norms (see {@link quantizeRows}).
 */
export function certifiedByBytes(kthSq: number, cthByteSq: number, step: number, queryResidual: number, maxTrainResidual: number): boolean {
  const far = step * Math.sqrt(cthByteSq);
  const lower = far - queryResidual - maxTrainResidual - QUANTIZED_MARGIN * (far + queryResidual + maxTrainResidual);
  return lower > 0 && lower * lower * (1 - QUANTIZED_MARGIN) > kthSq;
}
