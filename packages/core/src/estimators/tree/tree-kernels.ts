/**
 * The loops of tree growing as WebAssembly over the forest's memory (tree-memory.ts): the
 * constancy scan and class histograms (histogram-kernels.ts), the threshold scan, the
 * compaction of a subtree's rows, the partition, and the codes' transposition. The per-sample
 * ones visit every sample of every drawn feature of every node (~8.5 M sample visits per MNIST
 * tree) and took ~85% of a tree's CPU as bounds-checked typed-array loops. Arguments are byte
 * addresses in the memory (arrays of int32 unless said), sample positions and counts.
 * Histograms sum integer weights, exactly, and list codes in the order the JS loops did, and
 * the scan keeps scikit-learn's order of float64 operations, so the trees are the same.
 */
import { assembleModule, type WasmCode, type WasmFunction } from '../wasm-assembler.js';
import { histogramKernel, histogramParts } from './histogram-kernels.js';
import { at, bump, codeOf, toBytes, whileBelow, type Width } from './wasm-listing.js';

/** The kernels for codes of one width, bound to one memory. */
export interface TreeKernels {
  /**
   * One drawn feature's pass over the node's samples `[start, end)` (class `sy`, weight `sw`
   * per position; `codes` = address of the feature's code of sample 0, `nCodes` possible):
   * returns 1 at once when every sample has the same code (the constancy scan). Otherwise
   * builds the float64 class histogram `hist` (`nClasses` per code) and lists the codes with
   * weight in `present`, and returns how many. With `copies` 1 or 4 from `copies`
   * interleaved int32 histograms at `hist4` (consecutive samples often share a bin; four
   * copies keep four adds in flight), the codes ascending; with `copies` 0 a code's row is
   * cleared when first seen (`mark[code] !== stamp`) and the codes listed in order of first
   * sight. With `counts` non-zero also counts samples per code there.
   */
  histogram(codes: number, samples: number, sy: number, sw: number, start: number, end: number, nCodes: number, nClasses: number,
    copies: number, hist4: number, hist: number, mark: number, present: number, stamp: number, counts: number): number;
  /** Copies the rows `samples[start, end)` (of `cols` codes each, row-major at `rowCodes`) into `block`, and points the samples at them (code offsets). */
  compact(rowCodes: number, block: number, samples: number, start: number, end: number, cols: number): void;
  /**
   * Scores every split between consecutive present codes (`m` of them at `present`) of the
   * float64 histogram `hist` (`nClasses` per code), as scikit-learn's gini proxy in its order
   * of operations, skipping splits that leave fewer than `minLeaf` samples (`counts` per code)
   * on a side of the `nNode` samples, or, with `nearTies`, split values closer than
   * FEATURE_THRESHOLD (float64 `values` per code). `total` holds the node's class weights
   * (summing to `wNode`), `left` is scratch. Returns the best proxy, `bestProxy` or better;
   * on each improvement writes the code and the next present code (int32) and the left
   * weight (float64 at +8) to `result`, and the left class weights to `bestLeft`.
   */
  scan(hist: number, counts: number, present: number, m: number, nClasses: number, total: number, left: number, bestLeft: number,
    values: number, nearTies: number, minLeaf: number, nNode: number, wNode: number, bestProxy: number, result: number): number;
  /** Writes the `rows x cols` bytes at `src` transposed (`cols x rows`) at `dst`, for any code width's memory. */
  transposeBytes(src: number, dst: number, rows: number, cols: number): void;
  /**
   * Stable partition of `[start, end)` and their classes and weights: code <= `last` first,
   * through the spares. Returns the position of the first sample on the right.
   */
  partition(codes: number, samples: number, sy: number, sw: number, spare: number, spareY: number, spareW: number, start: number, end: number, last: number): number;
}

function compact(w: Width): WasmFunction {
  // params: 0 rowCodes, 1 block, 2 samples, 3 start, 4 end, 5 cols; locals: 6 j (code offset in the block), 7 row bytes
  const shift = w === 1 ? 0 : w === 2 ? 1 : 2;
  return {
    name: `compact_${w}`, params: Array(6).fill('i32'), results: [], locals: ['i32', 'i32'],
    code: [
      ...toBytes(3), ...toBytes(4), 'local.get', 5, 'i32.const', shift, 'i32.shl', 'local.set', 7,
      ...whileBelow(3, 4, [
        // memory.copy(block + j * w, rowCodes + row * cols * w, cols * w), then the sample is j
        'local.get', 1, 'local.get', 6, 'i32.const', shift, 'i32.shl', 'i32.add',
        ...at(2, 3), 'i32.load', 2, 0, 'local.get', 7, 'i32.mul', 'local.get', 0, 'i32.add',
        'local.get', 7, 'memory.copy', 0, 0,
        ...at(2, 3), 'local.get', 6, 'i32.store', 2, 0,
        'local.get', 6, 'local.get', 5, 'i32.add', 'local.set', 6,
        ...bump(3, 4),
      ]),
    ],
  };
}

function partition(w: Width): WasmFunction {
  // params: 0 codes, 1 samples, 2 sy, 3 sw, 4 spare, 5 spareY, 6 spareW, 7 start, 8 end, 9 last;
  // locals: 10 i, 11 p (byte offsets of the positions read and written on the left), 12 r (on the right), 13 s
  const move = (toBase: [number, number, number], to: number): WasmCode => [
    ...at(toBase[0], to), 'local.get', 13, 'i32.store', 2, 0,
    ...at(toBase[1], to), ...at(2, 10), 'i32.load', 2, 0, 'i32.store', 2, 0,
    ...at(toBase[2], to), ...at(3, 10), 'i32.load', 2, 0, 'i32.store', 2, 0,
    ...bump(to, 4),
  ];
  const copyBack = (to: number, from: number): WasmCode => [...at(to, 11), 'local.get', from, 'local.get', 12, 'memory.copy', 0, 0];
  return {
    name: `partition_${w}`, params: Array(10).fill('i32'), results: ['i32'], locals: Array(4).fill('i32'),
    code: [
      ...toBytes(7), ...toBytes(8), 'local.get', 7, 'local.tee', 10, 'local.set', 11,
      ...whileBelow(10, 8, [
        ...at(1, 10), 'i32.load', 2, 0, 'local.set', 13,
        ...codeOf(w, 0, at(1, 10)), 'local.get', 9, 'i32.le_u', 'if', ...move([1, 2, 3], 11), 'else', ...move([4, 5, 6], 12), 'end',
        ...bump(10, 4),
      ]),
      ...copyBack(1, 4), ...copyBack(2, 5), ...copyBack(3, 6),
      'local.get', 11, 'i32.const', 2, 'i32.shr_u',
    ],
  };
}

function transposeBytes(): WasmFunction {
  // params: 0 src (rows x cols), 1 dst (cols x rows), 2 rows, 3 cols; locals: 4 r0, 5 r1, 6 f, 7 s, 8 d, 9 e (end of d)
  return {
    name: 'transpose_bytes', params: Array(4).fill('i32'), results: [], locals: Array(6).fill('i32'),
    code: [
      ...whileBelow(4, 2, [
        // Blocks of TRANSPOSE_ROWS rows, so the strided reads stay in cache.
        'local.get', 4, 'i32.const', TRANSPOSE_ROWS, 'i32.add', 'local.tee', 5, 'local.get', 2, 'i32.gt_u', 'if', 'local.get', 2, 'local.set', 5, 'end',
        'i32.const', 0, 'local.set', 6,
        ...whileBelow(6, 3, [
          'local.get', 4, 'local.get', 3, 'i32.mul', 'local.get', 6, 'i32.add', 'local.get', 0, 'i32.add', 'local.set', 7,
          'local.get', 6, 'local.get', 2, 'i32.mul', 'local.get', 1, 'i32.add', 'local.get', 4, 'i32.add', 'local.tee', 8,
          'local.get', 5, 'i32.add', 'local.get', 4, 'i32.sub', 'local.set', 9,
          ...whileBelow(8, 9, [
            'local.get', 8, 'local.get', 7, 'i32.load8_u', 0, 0, 'i32.store8', 0, 0,
            'local.get', 7, 'local.get', 3, 'i32.add', 'local.set', 7, ...bump(8, 1),
          ]),
          ...bump(6, 1),
        ]),
        'local.get', 5, 'local.set', 4,
      ]),
    ],
  };
}

/** Rows per block of {@link transposeBytes}: 256 MNIST rows are 196 KiB of reads, within L2. */
const TRANSPOSE_ROWS = 256;

/** scikit-learn's FEATURE_THRESHOLD (binned-data.ts), inlined to keep this module free of imports from the tree. */
const FEATURE_THRESHOLD = 1e-7;

function scan(): WasmFunction {
  // params: 0 hist, 1 counts, 2 present, 3 m, 4 nClasses, 5 total, 6 left, 7 bestLeft, 8 values, 9 nearTies,
  //   10 minLeaf, 11 nNode, 12 wNode (f64), 13 bestProxy (f64), 14 result;
  // locals: 15 k (byte offset in present), 16 end, 17 code, 18 next, 19 h (the code's row), 20 c (byte offset of a class),
  //   21 nl, 22 C8 (row bytes); 23 wl, 24 wr, 25 sqL, 26 sqR, 27 a, 28 b, 29 proxy, 30 v (f64)
  const f64At = (base: number, index: number): WasmCode => ['local.get', base, 'local.get', index, 'i32.const', 3, 'i32.shl', 'i32.add', 'f64.load', 3, 0];
  const addLeft: WasmCode = [
    'local.get', 19, 'local.get', 20, 'i32.add', 'f64.load', 3, 0, 'local.set', 30,
    'local.get', 6, 'local.get', 20, 'i32.add', 'local.get', 6, 'local.get', 20, 'i32.add', 'f64.load', 3, 0, 'local.get', 30, 'f64.add', 'f64.store', 3, 0,
    'local.get', 23, 'local.get', 30, 'f64.add', 'local.set', 23,
    ...bump(20, 8),
  ];
  const squares: WasmCode = [
    'local.get', 6, 'local.get', 20, 'i32.add', 'f64.load', 3, 0, 'local.tee', 27, 'local.get', 27, 'f64.mul', 'local.get', 25, 'f64.add', 'local.set', 25,
    'local.get', 5, 'local.get', 20, 'i32.add', 'f64.load', 3, 0, 'local.get', 27, 'f64.sub', 'local.tee', 28, 'local.get', 28, 'f64.mul', 'local.get', 26, 'f64.add', 'local.set', 26,
    ...bump(20, 8),
  ];
  // -wr * (1 - sqR / (wr * wr)) - wl * (1 - sqL / (wl * wl)), in that order of operations
  const side = (w: number, sq: number): WasmCode => ['f64.const', 1, 'local.get', sq, 'local.get', w, 'local.get', w, 'f64.mul', 'f64.div', 'f64.sub'];
  return {
    name: 'scan', params: [...Array(12).fill('i32'), 'f64', 'f64', 'i32'], results: ['f64'], locals: [...Array(8).fill('i32'), ...Array(8).fill('f64')],
    code: [
      'local.get', 4, 'i32.const', 3, 'i32.shl', 'local.set', 22,
      'local.get', 6, 'i32.const', 0, 'local.get', 22, 'memory.fill', 0,
      'local.get', 3, 'i32.const', 1, 'i32.sub', 'i32.const', 2, 'i32.shl', 'local.set', 16,
      ...whileBelow(15, 16, [
        'local.get', 2, 'local.get', 15, 'i32.add', 'i32.load', 2, 0, 'local.set', 17,
        'local.get', 2, 'local.get', 15, 'i32.add', 'i32.load', 2, 4, 'local.set', 18,
        'local.get', 17, 'local.get', 22, 'i32.mul', 'local.get', 0, 'i32.add', 'local.set', 19,
        'i32.const', 0, 'local.set', 20, ...whileBelow(20, 22, addLeft),
        ...bump(15, 4),
        // Both sides hold a present code, so min_samples_leaf = 1 always holds. (br_if 1: next candidate.)
        'local.get', 10, 'i32.const', 1, 'i32.gt_u', 'if',
        'local.get', 21, 'local.get', 1, 'local.get', 17, 'i32.const', 2, 'i32.shl', 'i32.add', 'i32.load', 2, 0, 'i32.add', 'local.tee', 21,
        'local.get', 10, 'i32.lt_s', 'local.get', 11, 'local.get', 21, 'i32.sub', 'local.get', 10, 'i32.lt_s', 'i32.or', 'br_if', 1,
        'end',
        'local.get', 9, 'if', ...f64At(8, 18), ...f64At(8, 17), 'f64.const', FEATURE_THRESHOLD, 'f64.add', 'f64.le', 'br_if', 1, 'end',
        'local.get', 12, 'local.get', 23, 'f64.sub', 'local.set', 24,
        'f64.const', 0, 'local.set', 25, 'f64.const', 0, 'local.set', 26, 'i32.const', 0, 'local.set', 20,
        ...whileBelow(20, 22, squares),
        'local.get', 24, 'f64.neg', ...side(24, 26), 'f64.mul', 'local.get', 23, ...side(23, 25), 'f64.mul', 'f64.sub', 'local.tee', 29,
        'local.get', 13, 'f64.gt', 'if',
        'local.get', 29, 'local.set', 13,
        'local.get', 14, 'local.get', 17, 'i32.store', 2, 0, 'local.get', 14, 'local.get', 18, 'i32.store', 2, 4,
        'local.get', 14, 'local.get', 23, 'f64.store', 3, 8,
        'local.get', 7, 'local.get', 6, 'local.get', 22, 'memory.copy', 0, 0,
        'end',
      ]),
      'local.get', 13,
    ],
  };
}

const WIDTHS: Width[] = [1, 2, 4];
let compiled: WebAssembly.Module | undefined;

/** The kernels for codes of `codeBytes` bytes, over `memory` (a forest's shared memory). */
export function treeKernels(memory: WebAssembly.Memory, codeBytes: Width): TreeKernels {
  if (!compiled) {
    const parts = [...WIDTHS.flatMap((w, i) => [...histogramParts(w, i === 0), compact(w), partition(w)]), transposeBytes(), scan()];
    const names = parts.map((p) => p.name);
    compiled = assembleModule([...parts, ...WIDTHS.map((w) => histogramKernel(w, (name) => names.indexOf(name)))], 1, 65536);
  }
  const e = new WebAssembly.Instance(compiled, { env: { memory } }).exports as Record<string, (...args: number[]) => number>;
  const w = codeBytes;
  return {
    histogram: e[`histogram_${w}`],
    compact: e[`compact_${w}`] as TreeKernels['compact'],
    partition: e[`partition_${w}`],
    transposeBytes: e.transpose_bytes as TreeKernels['transposeBytes'],
    scan: e.scan,
  };
}
