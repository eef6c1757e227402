/**
 * The rows and weight vectors of {@link interleavedSgd} in one WebAssembly memory, with the
 * loops that touch a row compiled from listings: the side-by-side dots (several problems,
 * two rows each, in one pass over the columns), and one problem's dot, add and add_average
 * (scikit-learn's `WeightVector`). Rows are dense (every column, as scikit-learn's dense
 * `ArrayDataset` visits them): one byte per value for pixel data (integers 0..255), else
 * float64. Every sum runs in column order; WebAssembly arithmetic is plain IEEE 754.
 */
import type { Matrix } from '../matrix.js';
import { assembleModule, type WasmCode, type WasmFunction, type WasmType } from './wasm-assembler.js';
import { isPixels } from './sgd-rows.js';

/** Chains advanced per pass over the columns (more would spill the row pointers out of registers). */
export const CHUNK = 5;

/**
 * How rows are stored: `pixels`, one byte per value (integers 0..255), else `floats`, float64.
 * (One byte per value indexing a per-column table of at most 256 values, which a
 * standardised image allows, was tried: a quarter of the memory traffic, but the extra
 * load and address arithmetic per value made the dots about 1.3-1.8x slower.)
 */
export type DenseRowsFormat = 'pixels' | 'floats';

/**
 * A {@link DenseRows} memory and what places everything in it: enough for another thread,
 * handed the (shared) memory, to run its own problems' kernels on the same rows.
 */
export interface DenseRowsLayout {
  memory: WebAssembly.Memory;
  rows: number;
  cols: number;
  format: DenseRowsFormat;
  /** Problems (weight vectors) in the memory. */
  problems: number;
  /** Threads that may run dot kernels at once, each writing its dots to its own slot. @defaultValue 1 */
  slots: number;
}

/** The K problems' weights and the training rows, dense, in one WebAssembly memory. */
export class DenseRows {
  readonly rows: number;
  readonly cols: number;
  readonly format: DenseRowsFormat;
  readonly memory: WebAssembly.Memory;
  /** Byte address of class k's weights: weightsAt + 8 * cols * k; averaged weights follow all weights, then the L1 penalties' q. */
  readonly weightsAt: number;
  readonly averageAt: number;
  readonly penaltyAt: number;
  private readonly rowsAt: number;
  private readonly rowBytes: number;
  /** Byte address of this thread's dots (its slot). */
  private readonly outAt: number;
  private readonly sharedPages: number | undefined;
  private readonly generic: { add: Function; addAverage: Function; dot: Function; l1: Function };
  private readonly chunkKernels = new Map<string, Function[]>();
  /** The dots of the last {@link dotKernels} call, per active problem. */
  readonly out: Float64Array;
  /** The whole memory as float64 (the memory never grows), for the odd last column of {@link l1}. */
  private readonly f64: Float64Array;

  /**
   * Copies X's rows into a new memory with room for `problems` weight vectors (and their
   * averages); with `slots` > 1 the memory is shared, for that many threads at once.
   * @throws RangeError for X without columns, or too big for WebAssembly's 4 GiB.
   */
  static fromMatrix(X: Matrix, problems: number, slots = 1): DenseRows {
    const { rows, cols, data } = X;
    if (cols === 0) throw new RangeError('SGDClassifier: X has 0 features; at least 1 is required');
    const format: DenseRowsFormat = isPixels(data) ? 'pixels' : 'floats';
    const { rowsAt, bytes } = place(rows, cols, format, problems, slots);
    if (bytes >= 2 ** 32) throw new RangeError(`SGDClassifier: X (${rows} x ${cols}) with ${problems} classes takes ${bytes} bytes as SGD rows, more than WebAssembly's 4 GiB`);
    const pages = Math.ceil(bytes / 65536);
    const memory = slots > 1 ? new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }) : new WebAssembly.Memory({ initial: pages });
    if (format === 'pixels') new Uint8Array(memory.buffer, rowsAt, rows * cols).set(data);
    else new Float64Array(memory.buffer, rowsAt, rows * cols).set(data);
    return new DenseRows({ memory, rows, cols, format, problems, slots }, 0);
  }

  /** Kernels over `layout`'s memory, writing dots to slot `slot`. */
  constructor(readonly layout: DenseRowsLayout, slot: number) {
    const { memory, rows, cols, format, problems, slots } = layout;
    this.rows = rows;
    this.cols = cols;
    this.format = format;
    this.memory = memory;
    ({ weightsAt: this.weightsAt, averageAt: this.averageAt, penaltyAt: this.penaltyAt, rowsAt: this.rowsAt } = place(rows, cols, format, problems, slots));
    this.rowBytes = format === 'floats' ? 8 * cols : cols;
    this.outAt = 16 * CHUNK * slot;
    this.sharedPages = slots > 1 ? memory.buffer.byteLength / 65536 : undefined;
    this.out = new Float64Array(memory.buffer, this.outAt, 2 * CHUNK);
    this.f64 = new Float64Array(memory.buffer);
    const e = this.instantiate([addKernel(format, cols), addAverageKernel(format, cols), dotKernel(format, cols), l1Kernel(cols)]);
    this.generic = { add: e.add, addAverage: e.add_average, dot: e.dot, l1: e.l1 };
  }
  /** Class k's (unscaled) weights, a view into the memory. */
  weights(k: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.weightsAt + 8 * this.cols * k, this.cols);
  }

  averageWeights(k: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.averageAt + 8 * this.cols * k, this.cols);
  }

  /** Class k's q of the L1 penalty (the penalty applied to each weight so far), a view into the memory. */
  penalties(k: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.penaltyAt + 8 * this.cols * k, this.cols);
  }

  /**
   * scikit-learn's `l1penalty` (truncated gradient with cumulative penalty, Tsuruoka et al. 2009)
   * on class k's weights over every column, as its dense `ArrayDataset` visits them: for each j,
   * z = w[j]; w[j] = max(0, z - (u + q[j]) / wscale) where wscale * z > 0, min(0, z + (u - q[j]) /
   * wscale) where wscale * z < 0; q[j] += wscale * (w[j] - z). Two columns a step in WebAssembly
   * SIMD, each lane's arithmetic the same IEEE operations as the scalar loop (both branches are
   * computed, and the lane's own chosen by its compares).
   */
  l1(k: number, wscale: number, u: number): void {
    const at = 8 * this.cols * k;
    this.generic.l1(this.weightsAt + at, this.penaltyAt + at, wscale, u);
    if (this.cols % 2 === 1) {
      // The last column, as the kernel's lanes do it (indices into the float64 view).
      const f = this.f64, w = (this.weightsAt + at) / 8 + this.cols - 1, q = (this.penaltyAt + at) / 8 + this.cols - 1;
      const z = f[w];
      if (wscale * z > 0) f[w] = Math.max(0, z - (u + f[q]) / wscale);
      else if (wscale * z < 0) f[w] = Math.min(0, z + (u - f[q]) / wscale);
      f[q] += wscale * (f[w] - z);
    }
  }

  rowAt(i: number): number {
    return this.rowsAt + this.rowBytes * i;
  }

  /**
   * Kernels computing the dots of the given problems (at most CHUNK each), one kernel per
   * chunk of `active`: kernel c takes the row addresses of problems active[c*CHUNK...] and
   * writes their dots to {@link out}.
   */
  dotKernels(active: readonly number[]): Function[] {
    const key = active.join(',');
    let kernels = this.chunkKernels.get(key);
    if (!kernels) {
      const fns: WasmFunction[] = [];
      for (let c = 0; c * CHUNK < active.length; c++) fns.push(chunkDotKernel(`chunk${c}`, this.format, this.cols, this.outAt, active.slice(c * CHUNK, (c + 1) * CHUNK).map((k) => this.weightsAt + 8 * this.cols * k)));
      const e = this.instantiate(fns);
      kernels = fns.map((f) => e[f.name]);
      this.chunkKernels.set(key, kernels);
    }
    return kernels;
  }

  /** `sum_j w_k[j] * x[i, j]` in column order (unscaled weights). */
  dot(k: number, i: number): number {
    return this.generic.dot(this.rowAt(i), this.weightsAt + 8 * this.cols * k);
  }

  /** `w_k[j] += x[i, j] * c` over every column. */
  add(k: number, i: number, c: number): void {
    this.generic.add(this.rowAt(i), this.weightsAt + 8 * this.cols * k, c);
  }

  /** `aw_k[j] += a * x[i, j] * c` over every column. */
  addAverage(k: number, i: number, a: number, c: number): void {
    this.generic.addAverage(this.rowAt(i), this.averageAt + 8 * this.cols * k, a, c);
  }

  private instantiate(fns: WasmFunction[]): Record<string, Function> {
    return new WebAssembly.Instance(assembleModule(fns, 1, this.sharedPages), { env: { memory: this.memory } }).exports as Record<string, Function>;
  }
}

/** Byte addresses: every slot's dots first, then all weights, all averaged weights, all L1 q vectors, the rows. */
function place(rows: number, cols: number, format: DenseRowsFormat, problems: number, slots: number) {
  const weightsAt = 16 * CHUNK * slots;
  const averageAt = weightsAt + 8 * cols * problems;
  const penaltyAt = averageAt + 8 * cols * problems;
  const rowsAt = penaltyAt + 8 * cols * problems;
  return { weightsAt, averageAt, penaltyAt, rowsAt, bytes: rowsAt + (format === 'floats' ? 8 * cols : cols) * rows };
}


/** Pushes x[j] as f64: the row at local `x`, column j at local `j`, its byte offset 8j at local `off`. */
function value(f: DenseRowsFormat, x: number, j: number, off: number): WasmCode {
  return f === 'pixels'
    ? ['local.get', x, 'local.get', j, 'i32.add', 'i32.load8_u', 0, 0, 'f64.convert_i32_u']
    : ['local.get', x, 'local.get', off, 'i32.add', 'f64.load', 3, 0];
}

/** `do { body; j += 1; off += 8 } while (j < cols)`; cols >= 1. */
function eachColumn(cols: number, j: number, off: number, body: WasmCode): WasmCode {
  return [
    'loop', ...body,
    'local.get', off, 'i32.const', 8, 'i32.add', 'local.set', off,
    'local.get', j, 'i32.const', 1, 'i32.add', 'local.tee', j, 'i32.const', cols, 'i32.lt_u', 'br_if', 0,
    'end',
  ];
}

/**
 * `chunk(x_{0,0}, x_{0,1}, ..., x_{G-1,0}, x_{G-1,1})`: for each of G problems and each of two
 * rows, acc = sum_j w_g[j] * x[j] in column order; all 2G chains advance per column, and
 * each weight is loaded once for both rows. Float rows are read two columns at a time, and
 * a problem's two chains ride in the two lanes of one f64x2: per problem and column pair,
 * one 128-bit load of weights and one per row, two f64x2 multiplies, two shuffles that pair
 * column j's products of both rows (then column j + 1's), and two f64x2 adds, each lane's
 * add the same IEEE add as a scalar one, in column order (was: a scalar add per product
 * after a lane extraction, 13 instructions per problem and column pair against 9). The sum
 * for problem g, row r goes to byte outAt + 16g + 8r.
 */
function chunkDotKernel(name: string, f: DenseRowsFormat, cols: number, outAt: number, weightAddresses: number[]): WasmFunction {
  const g = weightAddresses.length;
  const x = (k: number, r: number) => 2 * k + r;
  const J = 2 * g, OFF = J + 1, ACC = OFF + 1, WF = ACC + 2 * g, WV = WF + 1, PA = WV + 1, PB = PA + 1, VACC = PB + 1;
  const acc = (k: number, r: number) => ACC + 2 * k + r;
  const locals: WasmType[] = ['i32', 'i32', ...Array<WasmType>(2 * g).fill('f64'), 'f64', 'v128', 'v128', 'v128', ...Array<WasmType>(g).fill('v128')];
  const scalarColumn: WasmCode = [];
  weightAddresses.forEach((at, k) => {
    scalarColumn.push('local.get', OFF, 'f64.load', 3, at, 'local.set', WF);
    for (const r of [0, 1]) scalarColumn.push('local.get', acc(k, r), 'local.get', WF, ...value(f, x(k, r), J, OFF), 'f64.mul', 'f64.add', 'local.set', acc(k, r));
  });
  const code: WasmCode = [];
  if (f === 'pixels') code.push(...eachColumn(cols, J, OFF, scalarColumn));
  else {
    const pairs = Math.floor(cols / 2);
    // Bytes 0-7 of each operand (column j of rows 0 and 1), then bytes 8-15 (column j + 1).
    const low = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
    const high = low.map((b) => b + 8);
    const body: WasmCode = [];
    weightAddresses.forEach((at, k) => {
      body.push('local.get', OFF, 'v128.load', 3, at, 'local.set', WV);
      for (const [r, P] of [[0, PA], [1, PB]]) body.push('local.get', WV, 'local.get', x(k, r), 'local.get', OFF, 'i32.add', 'v128.load', 3, 0, 'f64x2.mul', 'local.set', P);
      body.push(
        'local.get', VACC + k, 'local.get', PA, 'local.get', PB, 'i8x16.shuffle', ...low, 'f64x2.add',
        'local.get', PA, 'local.get', PB, 'i8x16.shuffle', ...high, 'f64x2.add', 'local.set', VACC + k,
      );
    });
    if (pairs > 0) code.push('loop', ...body, 'local.get', OFF, 'i32.const', 16, 'i32.add', 'local.tee', OFF, 'i32.const', 16 * pairs, 'i32.lt_u', 'br_if', 0, 'end');
    for (let k = 0; k < g; k++) for (const r of [0, 1]) code.push('local.get', VACC + k, 'f64x2.extract_lane', r, 'local.set', acc(k, r));
    if (cols % 2 === 1) code.push(...scalarColumn);
  }
  for (let k = 0; k < g; k++) for (const r of [0, 1]) code.push('i32.const', 0, 'local.get', acc(k, r), 'f64.store', 3, outAt + 8 * x(k, r));
  return { name, params: Array<WasmType>(2 * g).fill('i32'), results: [], locals, code };
}

/** `dot(x, w)`: the sum of w[j] * x[j] in column order. */
function dotKernel(f: DenseRowsFormat, cols: number): WasmFunction {
  const [X, W, J, OFF, ACC] = [0, 1, 2, 3, 4];
  return {
    name: 'dot', params: ['i32', 'i32'], results: ['f64'], locals: ['i32', 'i32', 'f64'],
    code: [...eachColumn(cols, J, OFF, ['local.get', ACC, 'local.get', W, 'local.get', OFF, 'i32.add', 'f64.load', 3, 0, ...value(f, X, J, OFF), 'f64.mul', 'f64.add', 'local.set', ACC]), 'local.get', ACC],
  };
}

/** `add(x, w, c)`: w[j] = w[j] + x[j] * c, as `WeightVector.add`. */
function addKernel(f: DenseRowsFormat, cols: number): WasmFunction {
  const [X, W, C, J, OFF, AT] = [0, 1, 2, 3, 4, 5];
  return {
    name: 'add', params: ['i32', 'i32', 'f64'], results: [], locals: ['i32', 'i32', 'i32'],
    code: eachColumn(cols, J, OFF, [
      'local.get', W, 'local.get', OFF, 'i32.add', 'local.tee', AT, 'local.get', AT, 'f64.load', 3, 0,
      ...value(f, X, J, OFF), 'local.get', C, 'f64.mul', 'f64.add', 'f64.store', 3, 0,
    ]),
  };
}

/** `add_average(x, aw, a, c)`: aw[j] = aw[j] + a * x[j] * c, as `WeightVector.add_average`. */
function addAverageKernel(f: DenseRowsFormat, cols: number): WasmFunction {
  const [X, AW, A, C, J, OFF, AT] = [0, 1, 2, 3, 4, 5, 6];
  return {
    name: 'add_average', params: ['i32', 'i32', 'f64', 'f64'], results: [], locals: ['i32', 'i32', 'i32'],
    code: eachColumn(cols, J, OFF, [
      'local.get', AW, 'local.get', OFF, 'i32.add', 'local.tee', AT, 'local.get', AT, 'f64.load', 3, 0,
      'local.get', A, ...value(f, X, J, OFF), 'f64.mul', 'local.get', C, 'f64.mul', 'f64.add', 'f64.store', 3, 0,
    ]),
  };
}

/**
 * `l1(w, q, wscale, u)`: {@link DenseRows.l1} over the first 2 * floor(cols / 2) columns, two
 * a step (the last column of an odd count is left to the caller).
 */
function l1Kernel(cols: number): WasmFunction {
  const [W, Q, WS, U, OFF, Z, QV, WSV, UV, ZERO, SZ, NEW] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const pairs = Math.floor(cols / 2);
  const code: WasmCode = ['local.get', WS, 'f64x2.splat', 'local.set', WSV, 'local.get', U, 'f64x2.splat', 'local.set', UV, 'f64.const', 0, 'f64x2.splat', 'local.set', ZERO];
  if (pairs > 0) {
    code.push(
      'loop',
      'local.get', W, 'local.get', OFF, 'i32.add', 'v128.load', 3, 0, 'local.set', Z,
      'local.get', Q, 'local.get', OFF, 'i32.add', 'v128.load', 3, 0, 'local.set', QV,
      'local.get', WSV, 'local.get', Z, 'f64x2.mul', 'local.set', SZ,
      // wscale * z > 0: max(0, z - (u + q) / wscale)
      'local.get', ZERO, 'local.get', Z, 'local.get', UV, 'local.get', QV, 'f64x2.add', 'local.get', WSV, 'f64x2.div', 'f64x2.sub', 'f64x2.max',
      // wscale * z < 0: min(0, z + (u - q) / wscale); neither: z
      'local.get', ZERO, 'local.get', Z, 'local.get', UV, 'local.get', QV, 'f64x2.sub', 'local.get', WSV, 'f64x2.div', 'f64x2.add', 'f64x2.min',
      'local.get', Z, 'local.get', SZ, 'local.get', ZERO, 'f64x2.lt', 'v128.bitselect',
      'local.get', SZ, 'local.get', ZERO, 'f64x2.gt', 'v128.bitselect', 'local.set', NEW,
      'local.get', W, 'local.get', OFF, 'i32.add', 'local.get', NEW, 'v128.store', 3, 0,
      // q += wscale * (w - z)
      'local.get', Q, 'local.get', OFF, 'i32.add', 'local.get', QV, 'local.get', WSV, 'local.get', NEW, 'local.get', Z, 'f64x2.sub', 'f64x2.mul', 'f64x2.add', 'v128.store', 3, 0,
      'local.get', OFF, 'i32.const', 16, 'i32.add', 'local.tee', OFF, 'i32.const', 16 * pairs, 'i32.lt_u', 'br_if', 0,
      'end',
    );
  }
  return { name: 'l1', params: ['i32', 'i32', 'f64', 'f64'], results: [], locals: ['i32', 'v128', 'v128', 'v128', 'v128', 'v128', 'v128', 'v128'], code };
}
