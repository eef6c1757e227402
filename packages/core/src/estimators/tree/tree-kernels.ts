/**
 * The per-sample loops of tree growing as WebAssembly over the forest's memory
 * (tree-memory.ts): the constancy scan, the class histograms, the compaction of a subtree's
 * rows and the partition. These visit every sample of every drawn feature of every node
 * (~8.5 M sample visits per MNIST tree) and took ~85% of a tree's CPU as bounds-checked
 * typed-array loops. Arguments are byte addresses in the memory (arrays of int32 unless
 * said), sample positions and counts. Histograms sum integer weights, exactly, and list
 * codes in the order the JS loops did, so the trees are the same.
 */
import { assembleModule, type WasmCode, type WasmFunction } from '../wasm-assembler.js';

/** The kernels for codes of one width, bound to one memory. */
export interface TreeKernels {
  /** 1 when every sample of `[start, end)` has the same code (`codes` = address of the feature's code of sample 0), else 0. */
  sameCode(codes: number, samples: number, start: number, end: number): number;
  /**
   * Adds each sample's weight at `(code * nClasses + class)` of `copies` interleaved int32
   * histograms `stride` bytes apart (sample i in copy i mod copies), zeroed first.
   */
  histDense(copies: 1 | 4, codes: number, samples: number, sy: number, sw: number, start: number, end: number, hist4: number, stride: number, nClasses: number): void;
  /**
   * Sums the copies into the float64 histogram `hist` (same layout), lists the codes with
   * weight in `present`, ascending, and returns how many.
   */
  merge(copies: 1 | 4, hist4: number, stride: number, hist: number, present: number, nCodes: number, nClasses: number): number;
  /**
   * Float64 class histogram of the codes seen: a code's row of `hist` is zeroed when first
   * seen (`mark[code] !== stamp`) and the code appended to `present`, in order of first sight;
   * with `counts` non-zero also counts samples per code there. Returns how many codes.
   */
  histMarked(codes: number, samples: number, sy: number, sw: number, start: number, end: number, hist: number, mark: number, present: number, stamp: number, nClasses: number, counts: number): number;
  /** Samples per code into `counts` (`nCodes` of them, zeroed first). */
  countCodes(codes: number, samples: number, start: number, end: number, counts: number, nCodes: number): void;
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

type Width = 1 | 2 | 4;

const get = (local: number): WasmCode => ['local.get', local];
/** The address `base + offset` (locals). */
const at = (base: number, offset: number): WasmCode => ['local.get', base, 'local.get', offset, 'i32.add'];
/** `local += n` */
const bump = (local: number, n: number): WasmCode => ['local.get', local, 'i32.const', n, 'i32.add', 'local.set', local];
/** `local *= 4`: a position to a byte offset. */
const toBytes = (local: number): WasmCode => ['local.get', local, 'i32.const', 2, 'i32.shl', 'local.set', local];
/** A loop run while `a <u b` (locals), `body` inside (depth 0 = the loop, 1 = past it). */
const whileBelow = (a: number, b: number, body: WasmCode): WasmCode => [
  'block', 'loop', 'local.get', a, 'local.get', b, 'i32.ge_u', 'br_if', 1, ...body, 'br', 0, 'end', 'end',
];

/** Pushes the code of the sample whose int32 is at `address + offset`, the feature's codes at local `codes`. */
function codeOf(w: Width, codes: number, address: WasmCode, offset = 0): WasmCode {
  const shift: WasmCode = w === 1 ? [] : ['i32.const', w === 2 ? 1 : 2, 'i32.shl'];
  const load: WasmCode = w === 1 ? ['i32.load8_u', 0, 0] : w === 2 ? ['i32.load16_u', 1, 0] : ['i32.load', 2, 0];
  return [...address, 'i32.load', 2, offset, ...shift, 'local.get', codes, 'i32.add', ...load];
}

function sameCode(w: Width): WasmFunction {
  // params: 0 codes, 1 samples, 2 start, 3 end; locals: 4 p (address of the sample), 5 e, 6 first
  const differs = (offset: number): WasmCode => [...codeOf(w, 0, get(4), offset), 'local.get', 6, 'i32.xor'];
  return {
    name: `same_code_${w}`, params: ['i32', 'i32', 'i32', 'i32'], results: ['i32'], locals: ['i32', 'i32', 'i32'],
    code: [
      ...toBytes(2), ...toBytes(3), ...at(1, 2), 'local.set', 4, ...at(1, 3), 'local.set', 5,
      ...codeOf(w, 0, get(4)), 'local.set', 6, ...bump(4, 4),
      // Four samples per branch, on an OR of differences: most features differ early or not at all.
      'block', 'loop',
      'local.get', 5, 'local.get', 4, 'i32.sub', 'i32.const', 16, 'i32.lt_u', 'br_if', 1,
      ...differs(0), ...differs(4), 'i32.or', ...differs(8), 'i32.or', ...differs(12), 'i32.or',
      'if', 'i32.const', 0, 'return', 'end',
      ...bump(4, 16), 'br', 0, 'end', 'end',
      ...whileBelow(4, 5, [...differs(0), 'if', 'i32.const', 0, 'return', 'end', ...bump(4, 4)]),
      'i32.const', 1,
    ],
  };
}

function histDense(w: Width, copies: 1 | 4): WasmFunction {
  // params: 0 codes, 1 samples, 2 sy, 3 sw, 4 start, 5 end, 6 hist4, 7 stride, 8 nClasses;
  // locals: 9 i (byte offset of the position), 10 a (a bin's address), 11 e4 (end of the groups of four)
  const add = (k: number): WasmCode => [
    ...codeOf(w, 0, at(1, 9), 4 * k), 'local.get', 8, 'i32.mul', ...at(2, 9), 'i32.load', 2, 4 * k, 'i32.add',
    'i32.const', 2, 'i32.shl', 'local.get', 6, 'i32.add',
    ...(k > 0 ? ['local.get', 7, 'i32.const', k, 'i32.mul', 'i32.add'] : []), 'local.tee', 10,
    'local.get', 10, 'i32.load', 2, 0, ...at(3, 9), 'i32.load', 2, 4 * k, 'i32.add', 'i32.store', 2, 0,
  ];
  const code: WasmCode = [
    'local.get', 6, 'i32.const', 0, 'local.get', 7, 'i32.const', copies, 'i32.mul', 'memory.fill', 0,
    ...toBytes(4), ...toBytes(5), 'local.get', 4, 'local.set', 9,
  ];
  if (copies === 4) {
    // Four histograms: consecutive samples often share a bin (most pixels are 0), and four
    // copies keep four adds in flight instead of a chain through one memory cell.
    code.push('local.get', 5, 'i32.const', 12, 'i32.gt_u', 'if',
      'local.get', 5, 'i32.const', 12, 'i32.sub', 'local.set', 11,
      ...whileBelow(9, 11, [...add(0), ...add(1), ...add(2), ...add(3), ...bump(9, 16)]), 'end');
  }
  code.push(...whileBelow(9, 5, [...add(0), ...bump(9, 4)]));
  return { name: `hist_dense${copies}_${w}`, params: Array(9).fill('i32'), results: [], locals: ['i32', 'i32', 'i32'], code };
}

function merge(copies: 1 | 4): WasmFunction {
  // params: 0 hist4, 1 stride, 2 hist, 3 present, 4 nCodes, 5 nClasses;
  // locals: 6 code, 7 k (byte offset of an int32 bin), 8 c, 9 v, 10 weight, 11 m
  const sum: WasmCode = ['local.get', 0, 'local.get', 7, 'i32.add', 'i32.load', 2, 0];
  for (let k = 1; k < copies; k++) sum.push('local.get', 0, 'local.get', 7, 'i32.add', 'local.get', 1, 'i32.const', k, 'i32.mul', 'i32.add', 'i32.load', 2, 0, 'i32.add');
  return {
    name: `merge${copies}`, params: Array(6).fill('i32'), results: ['i32'], locals: Array(6).fill('i32'),
    code: [
      ...whileBelow(6, 4, [
        'i32.const', 0, 'local.set', 10, 'i32.const', 0, 'local.set', 8,
        ...whileBelow(8, 5, [
          ...sum, 'local.set', 9,
          'local.get', 2, 'local.get', 7, 'i32.const', 1, 'i32.shl', 'i32.add', 'local.get', 9, 'f64.convert_i32_s', 'f64.store', 3, 0,
          'local.get', 10, 'local.get', 9, 'i32.add', 'local.set', 10,
          ...bump(7, 4), ...bump(8, 1),
        ]),
        // Weights are positive, so a code is present exactly when it carries weight.
        'local.get', 10, 'if',
        'local.get', 3, 'local.get', 11, 'i32.const', 2, 'i32.shl', 'i32.add', 'local.get', 6, 'i32.store', 2, 0,
        ...bump(11, 1), 'end',
        ...bump(6, 1),
      ]),
      'local.get', 11,
    ],
  };
}

function histMarked(w: Width): WasmFunction {
  // params: 0 codes, 1 samples, 2 sy, 3 sw, 4 start, 5 end, 6 hist, 7 mark, 8 present, 9 stamp, 10 nClasses, 11 counts;
  // locals: 12 i (byte offset of the position), 13 code, 14 row (address of the code's float64 row), 15 c, 16 m
  const countAt: WasmCode = ['local.get', 11, 'local.get', 13, 'i32.const', 2, 'i32.shl', 'i32.add'];
  return {
    name: `hist_marked_${w}`, params: Array(12).fill('i32'), results: ['i32'], locals: Array(5).fill('i32'),
    code: [
      ...toBytes(4), ...toBytes(5), 'local.get', 4, 'local.set', 12,
      ...whileBelow(12, 5, [
        ...codeOf(w, 0, at(1, 12)), 'local.set', 13,
        'local.get', 13, 'local.get', 10, 'i32.mul', 'i32.const', 3, 'i32.shl', 'local.get', 6, 'i32.add', 'local.set', 14,
        'local.get', 7, 'local.get', 13, 'i32.const', 2, 'i32.shl', 'i32.add', 'i32.load', 2, 0, 'local.get', 9, 'i32.ne', 'if',
        'local.get', 7, 'local.get', 13, 'i32.const', 2, 'i32.shl', 'i32.add', 'local.get', 9, 'i32.store', 2, 0,
        'local.get', 8, 'local.get', 16, 'i32.const', 2, 'i32.shl', 'i32.add', 'local.get', 13, 'i32.store', 2, 0,
        ...bump(16, 1),
        'i32.const', 0, 'local.set', 15,
        ...whileBelow(15, 10, ['local.get', 14, 'local.get', 15, 'i32.const', 3, 'i32.shl', 'i32.add', 'f64.const', 0, 'f64.store', 3, 0, ...bump(15, 1)]),
        'local.get', 11, 'if', ...countAt, 'i32.const', 0, 'i32.store', 2, 0, 'end',
        'end',
        ...at(2, 12), 'i32.load', 2, 0, 'i32.const', 3, 'i32.shl', 'local.get', 14, 'i32.add', 'local.tee', 14,
        'local.get', 14, 'f64.load', 3, 0, ...at(3, 12), 'i32.load', 2, 0, 'f64.convert_i32_s', 'f64.add', 'f64.store', 3, 0,
        'local.get', 11, 'if', ...countAt, ...countAt, 'i32.load', 2, 0, 'i32.const', 1, 'i32.add', 'i32.store', 2, 0, 'end',
        ...bump(12, 4),
      ]),
      'local.get', 16,
    ],
  };
}

function countCodes(w: Width): WasmFunction {
  // params: 0 codes, 1 samples, 2 start, 3 end, 4 counts, 5 nCodes; locals: 6 a
  return {
    name: `count_codes_${w}`, params: Array(6).fill('i32'), results: [], locals: ['i32'],
    code: [
      'local.get', 4, 'i32.const', 0, 'local.get', 5, 'i32.const', 2, 'i32.shl', 'memory.fill', 0,
      ...toBytes(2), ...toBytes(3),
      ...whileBelow(2, 3, [
        ...codeOf(w, 0, at(1, 2)), 'i32.const', 2, 'i32.shl', 'local.get', 4, 'i32.add', 'local.tee', 6,
        'local.get', 6, 'i32.load', 2, 0, 'i32.const', 1, 'i32.add', 'i32.store', 2, 0,
        ...bump(2, 4),
      ]),
    ],
  };
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
  compiled ??= assembleModule(
    [...WIDTHS.flatMap((w) => [sameCode(w), histDense(w, 1), histDense(w, 4), histMarked(w), countCodes(w), compact(w), partition(w)]), merge(1), merge(4), transposeBytes(), scan()],
    1,
    true,
  );
  const e = new WebAssembly.Instance(compiled, { env: { memory } }).exports as Record<string, (...args: number[]) => number>;
  const w = codeBytes;
  const dense1 = e[`hist_dense1_${w}`], dense4 = e[`hist_dense4_${w}`], merge1 = e.merge1, merge4 = e.merge4;
  // Fixed arities, no rest arguments: V8 then calls the exports without its generic JS-to-wasm wrapper.
  return {
    sameCode: e[`same_code_${w}`],
    histDense: (copies, codes, samples, sy, sw, start, end, hist4, stride, nClasses) =>
      void (copies === 4 ? dense4 : dense1)(codes, samples, sy, sw, start, end, hist4, stride, nClasses),
    merge: (copies, hist4, stride, hist, present, nCodes, nClasses) => (copies === 4 ? merge4 : merge1)(hist4, stride, hist, present, nCodes, nClasses),
    histMarked: e[`hist_marked_${w}`],
    countCodes: e[`count_codes_${w}`] as TreeKernels['countCodes'],
    compact: e[`compact_${w}`] as TreeKernels['compact'],
    partition: e[`partition_${w}`],
    transposeBytes: e.transpose_bytes as TreeKernels['transposeBytes'],
    scan: e.scan,
  };
}
