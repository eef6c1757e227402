import type { NumericArray } from '../matrix.js';

/** What a scan of a matrix found: whether every value is an integer, and the range. */
export interface ValueStats {
  integer: boolean;
  min: number;
  max: number;
}

/**
 * Scans `data` once: integrality and range decide which exact kernel can run.
 * @throws RangeError on NaN or infinite values (scikit-learn rejects them too).
 */
export function scanValues(data: NumericArray, what: string): ValueStats {
  if (data instanceof Uint8Array) return { integer: true, min: 0, max: 255 };
  let min = Infinity;
  let max = -Infinity;
  const integerType = data instanceof Int32Array || data instanceof Uint16Array;
  let integer = true;
  let nan = false;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (v !== v) nan = true;
    else if (integer && !integerType && Math.floor(v) !== v) integer = false;
  }
  if (data.length > 0 && (nan || !Number.isFinite(min) || !Number.isFinite(max))) {
    throw new RangeError(`${what} contains NaN or infinity`);
  }
  if (data.length === 0) return { integer: true, min: 0, max: 0 };
  return { integer, min, max };
}

/**
 * How a search runs:
 * - `uint8`: both sides in 0..255, one exact MatMulInteger.
 * - `integer`: other integers; float32 GEMMs whose every partial sum is an integer below
 *   2^24 (exact), on queries split as `base*hi + lo` (`base` 0: no split needed).
 * - `quantized`: any other data where the uint8 GEMM is exact: candidates from an exact uint8
 *   search over the data rounded to 256 levels, re-ranked by exact float64 distances, certified
 *   by a proven lower bound (knn-quantize.ts); queries it cannot certify take the `float` plan.
 * - `float`: float32 candidates, re-ranked by exact float64 distances with a proven margin.
 */
export type SearchPlan = { kind: 'uint8' } | { kind: 'integer'; base: number } | { kind: 'quantized' } | { kind: 'float' };

const F32_EXACT = 2 ** 24;
const INT32_LIMIT = 2 ** 31;

/** Picks the fastest exact plan the value ranges allow (see {@link SearchPlan}). */
export function choosePlan(train: ValueStats, queries: ValueStats, d: number, options: { uint8Exact?: boolean } = {}): SearchPlan {
  const mt = Math.max(Math.abs(train.min), Math.abs(train.max));
  const mq = Math.max(Math.abs(queries.min), Math.abs(queries.max));
  // score = |t|^2 - 2 q.t and every int32 intermediate must fit; `extra` covers base*hi.
  const scoreFits = (extra: number) => d * mt * mt + 2 * d * (mq + extra) * mt < INT32_LIMIT;
  const integer = train.integer && queries.integer;
  const uint8Exact = options.uint8Exact ?? true;
  if (uint8Exact && integer && train.min >= 0 && train.max <= 255 && queries.min >= 0 && queries.max <= 255 && scoreFits(0)) {
    return { kind: 'uint8' };
  }
  if (integer && d * mq * mt < F32_EXACT && scoreFits(0)) return { kind: 'integer', base: 0 };
  // Its candidates come from the uint8 plan over bytes, whose int32 bound must hold at 255.
  if (uint8Exact && 3 * d * 255 * 255 < INT32_LIMIT) return { kind: 'quantized' };
  if (!integer || mt > F32_EXACT || mq > F32_EXACT) return { kind: 'float' };
  let best: { base: number; piece: number } | undefined;
  for (let base = 2; base <= 2 ** 12; base *= 2) {
    const piece = Math.max(Math.abs(Math.floor(queries.min / base)), Math.abs(Math.floor(queries.max / base)), base - 1);
    if (d * piece * mt < F32_EXACT && scoreFits(base) && (!best || piece < best.piece)) best = { base, piece };
  }
  return best ? { kind: 'integer', base: best.base } : { kind: 'float' };
}

/**
 * A bound on |computed - exact| for the float32 score `|t|^2 - 2 q.t` of one query against
 * any training row, for a GEMM of inner dimension `d`: rounding the inputs to float32, the
 * dot product (at most (d+3)u relative to sum|q_i t_i| <= |q||t|), rounding |t|^2 and the
 * final subtraction, doubled for safety. `u` is float32's unit roundoff.
 */
export function float32ScoreErrorBound(d: number, queryNorm: number, maxTrainNorm: number): number {
  const u = 2 ** -24;
  const p = queryNorm * maxTrainNorm;
  return 2 * u * ((2 * d + 8) * p + 2 * maxTrainNorm * maxTrainNorm);
}
