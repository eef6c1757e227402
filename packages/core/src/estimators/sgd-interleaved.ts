/**
 * scikit-learn 1.2's one-vs-rest SGD (`_fit_multiclass` calling `_plain_sgd` once per class)
 * with the binary problems run side by side instead of one after another. Each problem keeps
 * its own sample order (its own seed), learning-rate schedule, weight scale, intercept,
 * averaging and stopping, and every one of its sums keeps scikit-learn's order, so each
 * coefficient is the same to the last bit. What changes is only which work waits for which:
 * a dot product over a dense row is a chain of dependent additions (`acc + w[j] * x[j]`,
 * column after column) whose latency, not the arithmetic, bounds one problem; the K problems'
 * chains are independent, so one WebAssembly loop walks the columns once and advances up to
 * {@link CHUNK} chains per column, each problem reading its own row and weight vector.
 *
 * Rows are stored dense (every column, as scikit-learn's dense `ArrayDataset` visits them):
 * one byte per value for pixel data (integers 0..255), else float64.
 */
import type { Matrix } from '../matrix.js';
import { shuffleLikeSklearn } from '../random/our-rand-r.js';
import { assembleModule, type WasmCode, type WasmFunction, type WasmType } from './wasm-assembler.js';
import { dlossAt, lossAt, MAX_DLOSS, resetScale, WSCALE_THRESHOLD, type PlainSgdOptions, type PlainSgdResult } from './sgd-plain.js';

/** Chains advanced per pass over the columns (more would spill the row pointers out of registers). */
const CHUNK = 5;

/**
 * How rows are stored: `pixels`, one byte per value (integers 0..255), else `floats`, float64.
 * (One byte per value indexing a per-column table of at most 256 values, which a
 * standardised image allows, was tried: a quarter of the memory traffic, but the extra
 * load and address arithmetic per value made the dots about 1.3-1.8x slower.)
 */
type Format = 'pixels' | 'floats';

/** The K problems' weights and the training rows, dense, in one WebAssembly memory. */
class DenseRows {
  readonly rows: number;
  readonly cols: number;
  readonly format: Format;
  readonly memory: WebAssembly.Memory;
  /** Byte address of class k's weights: weightsAt + 8 * cols * k; averaged weights follow all weights. */
  readonly weightsAt: number;
  readonly averageAt: number;
  private readonly rowsAt: number;
  private readonly rowBytes: number;
  private readonly generic: { add: Function; addAverage: Function; dot: Function };
  private readonly chunkKernels = new Map<string, Function[]>();
  /** The dots of the last {@link dots} call, per active problem. */
  readonly out: Float64Array;

  constructor(X: Matrix, readonly problems: number) {
    const { rows, cols, data } = X;
    this.rows = rows;
    this.cols = cols;
    this.format = isPixels(data) ? 'pixels' : 'floats';
    this.rowBytes = this.format === 'floats' ? 8 * cols : cols;
    this.weightsAt = align(16 * CHUNK, 16);
    this.averageAt = this.weightsAt + 8 * cols * problems;
    this.rowsAt = this.averageAt + 8 * cols * problems;
    const bytes = this.rowsAt + this.rowBytes * rows;
    if (bytes >= 2 ** 32) throw new RangeError(`SGDClassifier: X (${rows} x ${cols}) with ${problems} classes takes ${bytes} bytes as SGD rows, more than WebAssembly's 4 GiB`);
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    if (this.format === 'pixels') new Uint8Array(this.memory.buffer, this.rowsAt, rows * cols).set(data);
    else new Float64Array(this.memory.buffer, this.rowsAt, rows * cols).set(data);
    this.out = new Float64Array(this.memory.buffer, 0, 2 * CHUNK);
    const f = this.format;
    const e = this.instantiate([addKernel(f, cols), addAverageKernel(f, cols), dotKernel(f, cols)]);
    this.generic = { add: e.add, addAverage: e.add_average, dot: e.dot };
  }

  /** Class k's (unscaled) weights, a view into the memory. */
  weights(k: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.weightsAt + 8 * this.cols * k, this.cols);
  }

  averageWeights(k: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.averageAt + 8 * this.cols * k, this.cols);
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
      for (let c = 0; c * CHUNK < active.length; c++) fns.push(chunkDotKernel(`chunk${c}`, this.format, this.cols, active.slice(c * CHUNK, (c + 1) * CHUNK).map((k) => this.weightsAt + 8 * this.cols * k)));
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
    return new WebAssembly.Instance(assembleModule(fns), { env: { memory: this.memory } }).exports as Record<string, Function>;
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function isPixels(data: Matrix['data']): boolean {
  if (data instanceof Uint8Array) return true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= 0 && v <= 255 && Math.trunc(v) === v)) return false;
  }
  return true;
}

/** Pushes x[j] as f64: the row at local `x`, column j at local `j`, its byte offset 8j at local `off`. */
function value(f: Format, x: number, j: number, off: number): WasmCode {
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
 * each weight is loaded once for both rows. Float rows are read two columns at a time
 * (one 128-bit load of weights, one per row, one f64x2 multiply); the two products still
 * join the sum one after the other, so each sum keeps its order. The sum for problem g,
 * row r goes to byte 16g + 8r.
 */
function chunkDotKernel(name: string, f: Format, cols: number, weightAddresses: number[]): WasmFunction {
  const g = weightAddresses.length;
  const x = (k: number, r: number) => 2 * k + r;
  const J = 2 * g, OFF = J + 1, ACC = OFF + 1, WF = ACC + 2 * g, T = WF + 1, WV = T + 1;
  const acc = (k: number, r: number) => ACC + 2 * k + r;
  const locals: WasmType[] = ['i32', 'i32', ...Array<WasmType>(2 * g).fill('f64'), 'f64', 'v128', 'v128'];
  const scalarColumn: WasmCode = [];
  weightAddresses.forEach((at, k) => {
    scalarColumn.push('local.get', OFF, 'f64.load', 3, at, 'local.set', WF);
    for (const r of [0, 1]) scalarColumn.push('local.get', acc(k, r), 'local.get', WF, ...value(f, x(k, r), J, OFF), 'f64.mul', 'f64.add', 'local.set', acc(k, r));
  });
  const code: WasmCode = [];
  if (f === 'pixels') code.push(...eachColumn(cols, J, OFF, scalarColumn));
  else {
    const pairs = Math.floor(cols / 2);
    const body: WasmCode = [];
    weightAddresses.forEach((at, k) => {
      body.push('local.get', OFF, 'v128.load', 3, at, 'local.set', WV);
      for (const r of [0, 1]) {
        body.push(
          'local.get', WV, 'local.get', x(k, r), 'local.get', OFF, 'i32.add', 'v128.load', 3, 0, 'f64x2.mul', 'local.set', T,
          'local.get', acc(k, r), 'local.get', T, 'f64x2.extract_lane', 0, 'f64.add', 'local.get', T, 'f64x2.extract_lane', 1, 'f64.add', 'local.set', acc(k, r),
        );
      }
    });
    if (pairs > 0) code.push('loop', ...body, 'local.get', OFF, 'i32.const', 16, 'i32.add', 'local.tee', OFF, 'i32.const', 16 * pairs, 'i32.lt_u', 'br_if', 0, 'end');
    if (cols % 2 === 1) code.push(...scalarColumn);
  }
  for (let k = 0; k < g; k++) for (const r of [0, 1]) code.push('i32.const', 0, 'local.get', acc(k, r), 'f64.store', 3, 8 * x(k, r));
  return { name, params: Array<WasmType>(2 * g).fill('i32'), results: [], locals, code };
}

/** `dot(x, w)`: the sum of w[j] * x[j] in column order. */
function dotKernel(f: Format, cols: number): WasmFunction {
  const [X, W, J, OFF, ACC] = [0, 1, 2, 3, 4];
  return {
    name: 'dot', params: ['i32', 'i32'], results: ['f64'], locals: ['i32', 'i32', 'f64'],
    code: [...eachColumn(cols, J, OFF, ['local.get', ACC, 'local.get', W, 'local.get', OFF, 'i32.add', 'f64.load', 3, 0, ...value(f, X, J, OFF), 'f64.mul', 'f64.add', 'local.set', ACC]), 'local.get', ACC],
  };
}

/** `add(x, w, c)`: w[j] = w[j] + x[j] * c, as `WeightVector.add`. */
function addKernel(f: Format, cols: number): WasmFunction {
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
function addAverageKernel(f: Format, cols: number): WasmFunction {
  const [X, AW, A, C, J, OFF, AT] = [0, 1, 2, 3, 4, 5, 6];
  return {
    name: 'add_average', params: ['i32', 'i32', 'f64', 'f64'], results: [], locals: ['i32', 'i32', 'i32'],
    code: eachColumn(cols, J, OFF, [
      'local.get', AW, 'local.get', OFF, 'i32.add', 'local.tee', AT, 'local.get', AT, 'f64.load', 3, 0,
      'local.get', A, ...value(f, X, J, OFF), 'f64.mul', 'local.get', C, 'f64.mul', 'f64.add', 'f64.store', 3, 0,
    ]),
  };
}

/** One binary problem's running state: `_plain_sgd`'s locals. */
interface Problem {
  k: number;
  y: Float64Array;
  seed: number;
  order: Int32Array;
  w: Float64Array;
  aw: Float64Array | null;
  q: Float64Array | null;
  wscale: number;
  intercept: number;
  averageA: number;
  averageB: number;
  averageIntercept: number;
  u: number;
  eta: number;
  t: number;
  sumloss: number;
  bestLoss: number;
  bestScore: number;
  noImprovement: number;
  /** Epochs run; final once the problem has stopped. */
  nIter: number;
  result?: PlainSgdResult;
}

/** What {@link interleavedSgd} shows after each epoch: every problem's model as a fit stopped there would return it. */
export type EpochSnapshot = () => PlainSgdResult[];

/**
 * Runs `ys.length` binary problems on the same rows, problem k with targets `ys[k]` in
 * {-1, +1} and shuffle seed `seeds[k]`; the other options are shared. Returns each problem's
 * model exactly as `plainSgd` would.
 *
 * With `onEpoch`, after epoch e (1-based) of the fit, once every problem still running has
 * done that epoch (the last one included), it is called with a snapshot maker: each running
 * problem's weights as a fit with `max_iter = e` would end (scale folded in, the averaging
 * terms folded into the averaged weights), and each problem that stopped early at its final
 * model, which is also what `max_iter = e` gives it, since it stopped before e.
 * @throws Error when a problem's weights or intercept stop being finite, with scikit-learn's advice.
 */
export async function interleavedSgd(
  X: Matrix,
  ys: Float64Array[],
  seeds: number[],
  o: Omit<PlainSgdOptions, 'seed'>,
  onEpoch?: (epoch: number, snapshot: EpochSnapshot) => Promise<void>,
): Promise<PlainSgdResult[]> {
  const K = ys.length;
  const rows = new DenseRows(X, K);
  const { rows: n, cols: d } = rows;
  const l1 = o.penalty === 'l1' || o.penalty === 'elasticnet';
  const l1Ratio = o.penalty === 'l2' ? 0 : o.penalty === 'l1' ? 1 : o.l1Ratio;
  const { alpha, loss, learningRate, validationMask: mask } = o;
  let optimalInit = 0;
  if (learningRate === 'optimal') {
    const typw = Math.sqrt(1 / Math.sqrt(alpha));
    const initialEta0 = typw / Math.max(1, dlossAt(loss, -typw, 1));
    optimalInit = 1 / (initialEta0 * alpha);
  }
  const problems: Problem[] = ys.map((y, k) => ({
    k, y, seed: seeds[k], order: Int32Array.from({ length: n }, (_, i) => i),
    w: rows.weights(k), aw: o.average > 0 ? rows.averageWeights(k) : null, q: l1 ? new Float64Array(d) : null,
    wscale: 1, intercept: 0, averageA: 0, averageB: 1, averageIntercept: 0, u: 0, eta: o.eta0, t: 1,
    sumloss: 0, bestLoss: Infinity, bestScore: -Infinity, noImprovement: 0, nIter: 0,
  }));
  let active = problems.slice();
  const rowAddress = new Int32Array(2 * CHUNK);
  const dots = new Float64Array(2 * K);
  const changed = new Uint8Array(K);
  for (let epoch = 0; epoch < o.maxIter && active.length > 0; epoch++) {
    for (const p of active) {
      p.sumloss = 0;
      if (o.shuffle) shuffleLikeSklearn(p.order, p.seed);
    }
    const kernels = rows.dotKernels(active.map((p) => p.k));
    const A = active.length;
    // Two steps at a time: each problem's dots for its rows at steps s and s + 1 come from one
    // pass, the second computed with the weights before step s. Most steps leave the weights
    // alone (no loss: only the scale decays, and the dot is of the unscaled weights); where
    // step s changed them, the second dot is computed again.
    for (let s = 0; s < n; s += 2) {
      const second = Math.min(s + 1, n - 1);
      for (let c = 0; c < kernels.length; c++) {
        const from = c * CHUNK, to = Math.min(A, from + CHUNK);
        for (let a = from; a < to; a++) {
          const order = active[a].order;
          rowAddress[2 * (a - from)] = rows.rowAt(order[s]);
          rowAddress[2 * (a - from) + 1] = rows.rowAt(order[second]);
        }
        kernels[c](rowAddress[0], rowAddress[1], rowAddress[2], rowAddress[3], rowAddress[4], rowAddress[5], rowAddress[6], rowAddress[7], rowAddress[8], rowAddress[9]);
        const out = rows.out;
        for (let a = from; a < to; a++) {
          dots[2 * a] = out[2 * (a - from)];
          dots[2 * a + 1] = out[2 * (a - from) + 1];
        }
      }
      for (let a = 0; a < A; a++) {
        const p = active[a];
        const i = p.order[s];
        changed[a] = mask !== null && mask[i] ? 0 : Number(step(p, i, dots[2 * a]));
      }
      if (second === s) continue;
      for (let a = 0; a < A; a++) {
        const p = active[a];
        const i = p.order[second];
        if (mask !== null && mask[i]) continue;
        step(p, i, changed[a] ? rows.dot(p.k, i) : dots[2 * a + 1]);
      }
    }
    const still: Problem[] = [];
    for (const p of active) {
      p.nIter = epoch + 1;
      if (!Number.isFinite(p.intercept) || p.w.some((v) => !Number.isFinite(v))) {
        throw new Error(`Floating-point under-/overflow occurred at epoch #${epoch + 1}. Scaling input data with StandardScaler or MinMaxScaler might help.`);
      }
      if (stops(p)) p.result = finish(p);
      else still.push(p);
    }
    active = still;
    if (onEpoch) await onEpoch(epoch + 1, () => problems.map((p) => p.result ?? snapshot(p)));
  }
  for (const p of active) p.result = finish(p);
  return problems.map((p) => p.result!);

  /**
   * One step of `_plain_sgd` for problem p on row i, given the row's dot with p's unscaled
   * weights. Returns whether the unscaled weights changed.
   */
  function step(p: Problem, i: number, dot: number): boolean {
    let changed = p.q !== null;
    const pred = dot * p.wscale + p.intercept;
    const yi = p.y[i];
    if (learningRate === 'optimal') p.eta = 1 / (alpha * (optimalInit + p.t - 1));
    else if (learningRate === 'invscaling') p.eta = o.eta0 / Math.pow(p.t, o.powerT);
    const eta = p.eta;
    if (mask === null) p.sumloss += lossAt(loss, pred, yi);
    const dloss = Math.min(MAX_DLOSS, Math.max(-MAX_DLOSS, dlossAt(loss, pred, yi)));
    const update = -eta * dloss;
    if (o.penalty !== null && o.penalty !== 'l1') {
      p.wscale *= Math.max(0, 1 - (1 - l1Ratio) * eta * alpha);
      if (p.wscale < WSCALE_THRESHOLD) {
        resetScale(p.w, p.aw, p.wscale, p.averageA, p.averageB);
        p.wscale = 1;
        p.averageA = 0;
        p.averageB = 1;
        changed = true;
      }
    }
    if (update !== 0) {
      changed = true;
      rows.add(p.k, i, update / p.wscale);
      if (o.fitIntercept) p.intercept += update;
    }
    if (p.aw !== null && o.average <= p.t) {
      const steps = p.t - o.average + 1;
      const mu = 1 / steps;
      rows.addAverage(p.k, i, p.averageA, -update / p.wscale);
      if (steps > 1) p.averageB /= 1 - mu;
      p.averageA += mu * p.averageB * p.wscale;
      p.averageIntercept += (p.intercept - p.averageIntercept) / steps;
    }
    if (p.q !== null) {
      const { w, q } = p;
      const wscale = p.wscale;
      p.u += l1Ratio * eta * alpha;
      const u = p.u;
      for (let j = 0; j < d; j++) {
        const z = w[j];
        if (wscale * z > 0) w[j] = Math.max(0, w[j] - (u + q[j]) / wscale);
        else if (wscale * z < 0) w[j] = Math.min(0, w[j] + (u - q[j]) / wscale);
        q[j] += wscale * (w[j] - z);
      }
    }
    p.t += 1;
    return changed;
  }

  /** `_plain_sgd`'s end-of-epoch test: true when p is done (adaptive rates first shrink eta instead). */
  function stops(p: Problem): boolean {
    if (mask !== null) {
      let correct = 0, total = 0;
      for (let i = 0; i < n; i++) {
        if (!mask[i]) continue;
        // scikit-learn 1.2 scores the stored weight array without its scale (see sgd-plain.ts).
        if ((rows.dot(p.k, i) + p.intercept > 0 ? 1 : -1) === p.y[i]) correct++;
        total++;
      }
      const score = correct / total;
      p.noImprovement = o.tol > -Infinity && score < p.bestScore + o.tol ? p.noImprovement + 1 : 0;
      if (score > p.bestScore) p.bestScore = score;
    } else {
      p.noImprovement = o.tol > -Infinity && p.sumloss > p.bestLoss - o.tol * n ? p.noImprovement + 1 : 0;
      if (p.sumloss < p.bestLoss) p.bestLoss = p.sumloss;
    }
    if (p.noImprovement < o.nIterNoChange) return false;
    if (learningRate === 'adaptive' && p.eta > 1e-6) {
      p.eta /= 5;
      p.noImprovement = 0;
      return false;
    }
    return true;
  }

  /** The model p would return if the fit ended now, leaving p's state as it is. */
  function snapshot(p: Problem): PlainSgdResult {
    const w = p.w.slice();
    const aw = p.aw && p.aw.slice();
    resetScale(w, aw, p.wscale, p.averageA, p.averageB);
    return { weights: w, intercept: p.intercept, averageWeights: aw, averageIntercept: p.averageIntercept, nIter: p.nIter };
  }

  function finish(p: Problem): PlainSgdResult {
    return snapshot(p);
  }
}
