import type { Matrix } from '../../matrix.js';
import { treeKernels } from './tree-kernels.js';
import { codesMemory } from './tree-memory.js';

/** Integer codes of feature values: the smallest array type that holds every feature's ranks. */
export type CodeArray = Uint8Array | Uint16Array | Uint32Array;

/**
 * Training features as small integer codes, for histogram split search, in a shared
 * WebAssembly memory (tree-memory.ts) that the tree threads and kernels read in place.
 * A code is the rank of a value among its feature's distinct values, so a split between
 * two codes is exactly a split between two consecutive present values, the candidates
 * scikit-learn's sorted search visits. Nothing is approximated: no quantile binning.
 */
export interface BinnedData {
  rows: number;
  cols: number;
  /** Holds the codes column-major from byte 0 (`f * rows + i`: row `i`'s code of feature `f`), then row-major. */
  memory: WebAssembly.Memory;
  /** Bytes per code: 1, 2 or 4. */
  codeBytes: 1 | 2 | 4;
  /** Byte address of the row-major codes (`i * cols + f`), for copying small subtrees' rows. */
  rowCodesAt: number;
  /** Byte address past the codes and values, where the trees' working arrays start. */
  slotsAt: number;
  /**
   * Distinct values per feature, ascending, as float32 (scikit-learn casts X to float32):
   * `values[offsets[f] + code]`; a view into {@link memory}, after the codes.
   */
  values: Float64Array;
  /** `cols + 1` offsets into {@link values}; feature `f` has `offsets[f + 1] - offsets[f]` codes. */
  offsets: Int32Array;
  /** Largest number of codes of any feature. */
  maxCodes: number;
  /**
   * Whether some feature has two distinct values within scikit-learn's FEATURE_THRESHOLD
   * (1e-7), which its splitter treats as equal; the split search then merges them too.
   */
  nearTies: boolean;
}

/** scikit-learn's FEATURE_THRESHOLD: values this close are one value to its splitter. */
export const FEATURE_THRESHOLD = 1e-7;

/** A typed array of `length` elements, on a SharedArrayBuffer when `shared` (for worker threads). */
export function allocate<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(
  Ctor: { new (buffer: ArrayBufferLike): T; BYTES_PER_ELEMENT: number },
  length: number,
  shared: boolean,
): T {
  const bytes = length * Ctor.BYTES_PER_ELEMENT;
  return new Ctor(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
}

/**
 * Codes `X` column by column. uint8 data (MNIST pixels) keeps its values as codes: one
 * transposition, 256 codes per feature. Other data is ranked per feature after the
 * float32 cast scikit-learn makes, which is exact for any number of distinct values.
 * @param shared - put the offsets on a SharedArrayBuffer, so worker threads read them without copies
 * @throws RangeError when a value is NaN or infinite after the float32 cast, as scikit-learn rejects it,
 * or when the codes exceed WebAssembly's 4 GiB.
 */
export function binData(X: Matrix, shared: boolean): BinnedData {
  return X.data instanceof Uint8Array ? binUint8(X.data, X.rows, X.cols, shared) : binByRank(X, shared);
}

/** The column-major and row-major code arrays of `rows x cols` codes of `Codes` in a new memory. */
/** The column-major and row-major code arrays and `nValues` values in a new memory. */
function codeArrays<T extends CodeArray>(Codes: { new (buffer: ArrayBufferLike, at: number, length: number): T; BYTES_PER_ELEMENT: number }, rows: number, cols: number, nValues: number) {
  const codeBytes = Codes.BYTES_PER_ELEMENT as 1 | 2 | 4;
  const { memory, rowCodesAt, valuesAt, slotsAt } = codesMemory(rows, cols, codeBytes, nValues);
  const codes = new Codes(memory.buffer, 0, rows * cols);
  const rowCodes = new Codes(memory.buffer, rowCodesAt, rows * cols);
  const values = new Float64Array(memory.buffer, valuesAt, nValues);
  return { codes, rowCodes, values, place: { memory, codeBytes, rowCodesAt, slotsAt, values } };
}

function binUint8(data: Uint8Array, rows: number, cols: number, shared: boolean): BinnedData {
  const { rowCodes, values, place } = codeArrays(Uint8Array, rows, cols, cols * 256);
  rowCodes.set(data);
  // As a kernel: in TypeScript this loop cost ~0.7-1 s per 40,000 MNIST rows, before any tree grows.
  treeKernels(place.memory, 1).transposeBytes(place.rowCodesAt, 0, rows, cols);
  const offsets = allocate(Int32Array, cols + 1, shared);
  for (let f = 0; f <= cols; f++) offsets[f] = f * 256;
  for (let i = 0; i < values.length; i++) values[i] = i & 255;
  return { rows, cols, ...place, offsets, maxCodes: 256, nearTies: false };
}

function binByRank(X: Matrix, shared: boolean): BinnedData {
  const { rows, cols, data } = X;
  const distinct: Float64Array[] = [];
  const column = new Float64Array(rows);
  let maxCodes = 1;
  let nearTies = false;
  for (let f = 0; f < cols; f++) {
    for (let r = 0; r < rows; r++) column[r] = readFloat32(data, r * cols + f, r, f);
    const sorted = column.slice().sort();
    let m = 0;
    for (let i = 0; i < rows; i++) if (i === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i];
    for (let i = 1; i < m; i++) if (sorted[i] <= sorted[i - 1] + FEATURE_THRESHOLD) nearTies = true;
    distinct.push(sorted.slice(0, m));
    maxCodes = Math.max(maxCodes, m);
  }
  const Codes = maxCodes <= 256 ? Uint8Array : maxCodes <= 65536 ? Uint16Array : Uint32Array;
  const offsets = allocate(Int32Array, cols + 1, shared);
  for (let f = 0; f < cols; f++) offsets[f + 1] = offsets[f] + distinct[f].length;
  const { codes, rowCodes, values, place } = codeArrays<CodeArray>(Codes, rows, cols, offsets[cols]);
  for (let f = 0; f < cols; f++) {
    const d = distinct[f];
    values.set(d, offsets[f]);
    const out = f * rows;
    for (let r = 0; r < rows; r++) codes[out + r] = rowCodes[r * cols + f] = lowerBound(d, Math.fround(data[r * cols + f]));
  }
  return { rows, cols, ...place, values, offsets, maxCodes, nearTies };
}

function readFloat32(data: ArrayLike<number>, at: number, row: number, feature: number): number {
  const v = Math.fround(data[at]);
  if (!Number.isFinite(v)) throw new RangeError(`X must be finite after the float32 cast, got ${data[at]} at row ${row}, feature ${feature}`);
  return v;
}

function lowerBound(sorted: Float64Array, v: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
