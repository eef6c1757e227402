/**
 * The histogram kernels of tree growing (see `TreeKernels.histogram` in tree-kernels.ts): the
 * constancy scan, four-copy and one-copy integer histograms merged into float64 with the
 * present codes, and the marked histogram of small nodes. Integer weights make every sum exact.
 */
import type { WasmCode, WasmFunction } from '../wasm-assembler.js';
import { at, bump, codeOf, get, toBytes, whileBelow, type Width } from './wasm-listing.js';

/**
 * `TreeKernels.histogram` (tree-kernels.ts) for codes of `w` bytes: one call per feature visit
 * into the kernels of {@link histogramParts} (`index`: a function's index in the module by name).
 */
export function histogramKernel(w: Width, index: (name: string) => number): WasmFunction {
  // params: 0 codes, 1 samples, 2 sy, 3 sw, 4 start, 5 end, 6 nCodes, 7 nClasses, 8 copies, 9 hist4, 10 hist,
  //   11 mark, 12 present, 13 stamp, 14 counts; locals: 15 stride
  const args = (...locals: number[]): WasmCode => locals.flatMap((l) => ['local.get', l]);
  return {
    name: `histogram_${w}`, params: Array(15).fill('i32'), results: ['i32'], locals: ['i32'],
    code: [
      ...args(0, 1, 4, 5), 'call', index(`same_code_${w}`), 'if', 'i32.const', 1, 'return', 'end',
      'local.get', 8, 'i32.eqz', 'if', ...args(0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 7, 14), 'call', index(`hist_marked_${w}`), 'return', 'end',
      'local.get', 6, 'local.get', 7, 'i32.mul', 'i32.const', 2, 'i32.shl', 'local.set', 15,
      'local.get', 14, 'if', ...args(0, 1, 4, 5, 14, 6), 'call', index(`count_codes_${w}`), 'end',
      'local.get', 8, 'i32.const', 4, 'i32.eq', 'if',
      ...args(0, 1, 2, 3, 4, 5, 9, 15, 7), 'call', index(`hist_dense4_${w}`),
      ...args(9, 15, 10, 12, 6, 7), 'call', index('merge4'), 'return', 'end',
      ...args(0, 1, 2, 3, 4, 5, 9, 15, 7), 'call', index(`hist_dense1_${w}`),
      ...args(9, 15, 10, 12, 6, 7), 'call', index('merge1'),
    ],
  };
}

/** The kernels {@link histogramKernel} calls, for codes of `w` bytes, and (once) the merges. */
export function histogramParts(w: Width, withMerges: boolean): WasmFunction[] {
  return [sameCode(w), histDense(w, 1), histDense(w, 4), histMarked(w), countCodes(w), ...(withMerges ? [merge(1), merge(4)] : [])];
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
