/**
 * The training rows of an SGD fit and its weight vectors, in WebAssembly memory, with the
 * four loops of scikit-learn's `WeightVector` that touch a row (dot, add, add_average, and
 * two dots at once) compiled from listings. An MNIST epoch is bound by fetching each
 * randomly visited row from memory, so rows are stored as small as they can be read back
 * exactly: nonzero entries only (a skipped zero adds nothing to a sum), each as its
 * column's distance from the previous nonzero plus its value — two bytes for a pixel
 * (an integer 0..255), ten for any other float64.
 */
import type { Matrix } from '../matrix.js';
import { assembleModule, type WasmCode, type WasmFunction } from './wasm-assembler.js';

/** How a row entry is laid out and read back. */
interface RowFormat {
  name: 'pixels' | 'floats';
  /** Bytes per entry. */
  size: number;
  /** Largest column step one entry can encode; longer gaps get zero-valued filler entries. */
  maxStep: number;
  /** Code that adds the entry at `p`'s column step to local `col` (may use local `tmp`). */
  step(p: number, col: number, tmp: number): WasmCode;
  /** Code that pushes the entry's value as f64 (after {@link step}). */
  value(p: number, tmp: number): WasmCode;
}

// A pixel entry is one u16: column step in the high byte, pixel in the low byte.
const PIXELS: RowFormat = {
  name: 'pixels',
  size: 2,
  maxStep: 0xff,
  step: (p, col, tmp) => ['local.get', p, 'i32.load16_u', 1, 0, 'local.tee', tmp, 'i32.const', 8, 'i32.shr_u', 'local.get', col, 'i32.add', 'local.set', col],
  value: (_p, tmp) => ['local.get', tmp, 'i32.const', 0xff, 'i32.and', 'f64.convert_i32_u'],
};

// A float entry is the f64 value then the u16 column step (unaligned loads are fine in wasm).
const FLOATS: RowFormat = {
  name: 'floats',
  size: 10,
  maxStep: 0xffff,
  step: (p, col) => ['local.get', p, 'i32.load16_u', 0, 8, 'local.get', col, 'i32.add', 'local.set', col],
  value: (p) => ['local.get', p, 'f64.load', 0, 0],
};

/** Byte address of the second result of `dotPair`. */
const PAIR_SLOT = 0;
/** Byte address of the weights; the averaged weights and then the rows follow. */
const WEIGHTS_AT = 8;

/** `while (p < end) { body; p += size }` */
function eachEntry(f: RowFormat, p: number, end: number, body: WasmCode): WasmCode {
  return [
    'block', 'local.get', p, 'local.get', end, 'i32.ge_u', 'br_if', 0,
    'loop', ...body, 'local.get', p, 'i32.const', f.size, 'i32.add', 'local.tee', p, 'local.get', end, 'i32.lt_u', 'br_if', 0, 'end',
    'end',
  ];
}

/** `acc = acc + w[col] * x`, the order of `WeightVector.dot`. */
function accumulate(f: RowFormat, p: number, col: number, tmp: number, acc: number): WasmCode {
  return [...f.step(p, col, tmp), 'local.get', acc, 'local.get', col, 'i32.const', 3, 'i32.shl', 'f64.load', 3, WEIGHTS_AT, ...f.value(p, tmp), 'f64.mul', 'f64.add', 'local.set', acc];
}

/** `local = -1`: a column cursor before the first entry. */
function beforeFirst(col: number): WasmCode {
  return ['i32.const', -1, 'local.set', col];
}

// Each kernel names its locals (numbered params first, then declared locals).

/** `dot(p, end)`: the sum of w[col] * x over the row's entries, in column order. */
function dotKernel(f: RowFormat): WasmFunction {
  const [P, END, COL, TMP, ACC] = [0, 1, 2, 3, 4];
  return {
    name: `${f.name}_dot`, params: ['i32', 'i32'], results: ['f64'], locals: ['i32', 'i32', 'f64'],
    code: [...beforeFirst(COL), ...eachEntry(f, P, END, accumulate(f, P, COL, TMP, ACC)), 'local.get', ACC],
  };
}

/**
 * `dotPair(p0, end0, p1, end1)`: both dots, interleaved so that neither waits on the other's
 * additions; each sum keeps its own order. Returns the first, stores the second at PAIR_SLOT.
 */
function dotPairKernel(f: RowFormat): WasmFunction {
  const [P0, END0, P1, END1, COL0, COL1, TMP0, TMP1, SHORTER, ACC0, ACC1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  return {
    name: `${f.name}_dot_pair`, params: ['i32', 'i32', 'i32', 'i32'], results: ['f64'], locals: ['i32', 'i32', 'i32', 'i32', 'i32', 'f64', 'f64'],
    code: [
      ...beforeFirst(COL0), ...beforeFirst(COL1),
      // SHORTER = p0 + min(end0 - p0, end1 - p1): where the shorter row ends, counted on row 0.
      'local.get', END1, 'local.get', P1, 'i32.sub', 'local.set', SHORTER,
      'local.get', END0, 'local.get', P0, 'i32.sub', 'local.get', SHORTER, 'i32.lt_u',
      'if', 'local.get', END0, 'local.get', P0, 'i32.sub', 'local.set', SHORTER, 'end',
      'local.get', SHORTER, 'local.get', P0, 'i32.add', 'local.set', SHORTER,
      ...eachEntry(f, P0, SHORTER, [
        ...accumulate(f, P1, COL1, TMP1, ACC1), 'local.get', P1, 'i32.const', f.size, 'i32.add', 'local.set', P1,
        ...accumulate(f, P0, COL0, TMP0, ACC0),
      ]),
      ...eachEntry(f, P0, END0, accumulate(f, P0, COL0, TMP0, ACC0)),
      ...eachEntry(f, P1, END1, accumulate(f, P1, COL1, TMP1, ACC1)),
      'i32.const', PAIR_SLOT, 'local.get', ACC1, 'f64.store', 3, 0,
      'local.get', ACC0,
    ],
  };
}

/** `add(p, end, c)`: w[col] = w[col] + x * c, as `WeightVector.add`. */
function addKernel(f: RowFormat): WasmFunction {
  const [P, END, C, COL, TMP, AT] = [0, 1, 2, 3, 4, 5];
  return {
    name: `${f.name}_add`, params: ['i32', 'i32', 'f64'], results: [], locals: ['i32', 'i32', 'i32'],
    code: [...beforeFirst(COL), ...eachEntry(f, P, END, [
      ...f.step(P, COL, TMP), 'local.get', COL, 'i32.const', 3, 'i32.shl', 'local.tee', AT, 'local.get', AT, 'f64.load', 3, WEIGHTS_AT,
      ...f.value(P, TMP), 'local.get', C, 'f64.mul', 'f64.add', 'f64.store', 3, WEIGHTS_AT,
    ])],
  };
}

/** `addAverage(p, end, averageAt, a, c)`: aw[col] = aw[col] + a * x * c, as `WeightVector.add_average`. */
function addAverageKernel(f: RowFormat): WasmFunction {
  const [P, END, AVERAGE_AT, A, C, COL, TMP, AT] = [0, 1, 2, 3, 4, 5, 6, 7];
  return {
    name: `${f.name}_add_average`, params: ['i32', 'i32', 'i32', 'f64', 'f64'], results: [], locals: ['i32', 'i32', 'i32'],
    code: [...beforeFirst(COL), ...eachEntry(f, P, END, [
      ...f.step(P, COL, TMP), 'local.get', COL, 'i32.const', 3, 'i32.shl', 'local.get', AVERAGE_AT, 'i32.add', 'local.tee', AT, 'local.get', AT, 'f64.load', 3, 0,
      'local.get', A, ...f.value(P, TMP), 'f64.mul', 'local.get', C, 'f64.mul', 'f64.add', 'f64.store', 3, 0,
    ])],
  };
}

let compiled: WebAssembly.Module | undefined;

interface Kernels {
  dot(p: number, end: number): number;
  dotPair(p0: number, end0: number, p1: number, end1: number): number;
  add(p: number, end: number, c: number): void;
  addAverage(p: number, end: number, averageAt: number, a: number, c: number): void;
}

/**
 * `X`'s rows and zeroed weight vectors `w` and `aw` in one WebAssembly memory. Every sum
 * runs over a row's nonzero entries in column order, as scikit-learn's dense loops do.
 */
export class SgdRows {
  readonly rows: number;
  readonly cols: number;
  /** `w`, unscaled (the caller keeps `wscale`). A view into the memory: copy it to keep it. */
  readonly weights: Float64Array;
  /** `aw`, the averaged weights' unscaled accumulator. A view, like {@link weights}. */
  readonly averageWeights: Float64Array;
  /** Whether entries are pixels (2 bytes) or float64s (10 bytes). */
  readonly format: 'pixels' | 'floats';
  /** Byte address where row `i` starts; `bounds[rows]` is the end of the last row. */
  private readonly bounds: Uint32Array;
  private readonly averageAt: number;
  private readonly pairSlot: Float64Array;
  private readonly k: Kernels;

  /** @throws RangeError when the rows need more than WebAssembly's 4 GiB of memory. */
  constructor(X: Matrix) {
    const { data, rows, cols } = X;
    const f = isPixels(data) ? PIXELS : FLOATS;
    this.rows = rows;
    this.cols = cols;
    this.format = f.name;
    this.averageAt = WEIGHTS_AT + 8 * cols;
    const rowsAt = this.averageAt + 8 * cols;
    // Sized for the most filler entries a row can need, so the rows are written in one pass.
    const entries = countNonzeros(data) + rows * Math.floor(Math.max(0, cols - 1) / f.maxStep);
    const bytes = rowsAt + f.size * entries;
    if (bytes >= 2 ** 32) throw new RangeError(`SGDClassifier: X (${rows} x ${cols}) takes ${bytes} bytes as SGD rows, more than WebAssembly's 4 GiB`);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    compiled ??= assembleModule([PIXELS, FLOATS].flatMap((f) => [dotKernel(f), dotPairKernel(f), addKernel(f), addAverageKernel(f)]));
    const exports = new WebAssembly.Instance(compiled, { env: { memory } }).exports as Record<string, (...args: number[]) => number>;
    this.k = {
      dot: exports[`${f.name}_dot`],
      dotPair: exports[`${f.name}_dot_pair`],
      add: exports[`${f.name}_add`],
      addAverage: exports[`${f.name}_add_average`],
    };
    this.weights = new Float64Array(memory.buffer, WEIGHTS_AT, cols);
    this.averageWeights = new Float64Array(memory.buffer, this.averageAt, cols);
    this.pairSlot = new Float64Array(memory.buffer, PAIR_SLOT, 1);
    this.bounds = new Uint32Array(rows + 1);
    if (f === PIXELS) writePixels(new Uint16Array(memory.buffer), X, rowsAt, this.bounds);
    else writeFloats(new DataView(memory.buffer), X, rowsAt, this.bounds);
  }

  /** `sum_j w[j] * x[i, j]` (unscaled `w`), summed in column order. */
  dot(i: number): number {
    return this.k.dot(this.bounds[i], this.bounds[i + 1]);
  }

  /** `dot(i)`; `dot(j)` is then {@link pairedDot}. Both as if computed alone. */
  dotPair(i: number, j: number): number {
    return this.k.dotPair(this.bounds[i], this.bounds[i + 1], this.bounds[j], this.bounds[j + 1]);
  }

  /** The second dot of the last {@link dotPair}. */
  get pairedDot(): number {
    return this.pairSlot[0];
  }

  /** `w[j] += x[i, j] * c` over row `i`'s nonzero entries. */
  add(i: number, c: number): void {
    this.k.add(this.bounds[i], this.bounds[i + 1], c);
  }

  /** `aw[j] += a * x[i, j] * c` over row `i`'s nonzero entries. */
  addAverage(i: number, a: number, c: number): void {
    this.k.addAverage(this.bounds[i], this.bounds[i + 1], this.averageAt, a, c);
  }
}

/** True when every value is an integer in 0..255, so a byte holds it exactly. */
export function isPixels(data: Matrix['data']): boolean {
  if (data instanceof Uint8Array) return true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= 0 && v <= 255 && Math.trunc(v) === v)) return false;
  }
  return true;
}

function countNonzeros(data: Matrix['data']): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) n += data[i] !== 0 ? 1 : 0;
  return n;
}

/** Writes pixel entries from byte address `start`, and each row's start into `bounds`. */
function writePixels(out: Uint16Array, X: Matrix, start: number, bounds: Uint32Array): void {
  const { data, rows, cols } = X;
  const maxStep = PIXELS.maxStep;
  // start is 8-byte aligned (two float64 arrays after an 8-byte slot), so u16 indexing is exact.
  let at = start / 2;
  for (let i = 0; i < rows; i++) {
    bounds[i] = 2 * at;
    let prev = -1;
    for (let j = 0, off = i * cols; j < cols; j++) {
      const v = data[off + j];
      if (v === 0) continue;
      let step = j - prev;
      for (; step > maxStep; step -= maxStep) out[at++] = maxStep << 8;
      out[at++] = (step << 8) | v;
      prev = j;
    }
  }
  bounds[rows] = 2 * at;
}

/** Writes float entries from byte address `start`, and each row's start into `bounds`. */
function writeFloats(out: DataView, X: Matrix, start: number, bounds: Uint32Array): void {
  const { data, rows, cols } = X;
  const { size, maxStep } = FLOATS;
  let at = start;
  for (let i = 0; i < rows; i++) {
    bounds[i] = at;
    let prev = -1;
    for (let j = 0, off = i * cols; j < cols; j++) {
      const v = data[off + j];
      if (v === 0) continue;
      let step = j - prev;
      // A filler's value stays the fresh memory's 0.
      for (; step > maxStep; step -= maxStep, at += size) out.setUint16(at + 8, maxStep, true);
      out.setFloat64(at, v, true);
      out.setUint16(at + 8, step, true);
      at += size;
      prev = j;
    }
  }
  bounds[rows] = at;
}
