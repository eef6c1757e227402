import { Matrix, type NumericArray } from '../matrix.js';
import { ElementType as E, type GraphSpec, type NodeSpec } from './onnx-graph.js';
import { cachedSession, ort, type KernelOptions } from './session.js';

/** Kernel functions, as libsvm's `kernel_type`. */
export type SvmKernelType = 'linear' | 'poly' | 'rbf';

/** A kernel with its parameters (libsvm's `gamma`, `coef0`, `degree`). */
export interface SvmKernel {
  type: SvmKernelType;
  gamma: number;
  coef0: number;
  degree: number;
}

/**
 * Rows of a kernel computation in the element type the GEMM runs on: `uint8` when the
 * data is bytes (MNIST pixels: MatMulInteger gives exact integer dot products, so the
 * distances libsvm sums in float64 come out bit for bit), else float64.
 */
export interface KernelRows {
  kind: 'uint8' | 'double';
  data: Uint8Array | Float64Array;
  rows: number;
  cols: number;
  /** Squared row norms, summed in row order as libsvm's `dot(x, x)`. */
  normsSq: Float64Array;
}

/** Lays `X` out for the kernel graphs; `asDouble` forces the float64 path (to match the other operand). */
export function kernelRows(X: Matrix, asDouble = false): KernelRows {
  const uint8 = X.data instanceof Uint8Array && !asDouble;
  const data = uint8 ? (X.data as Uint8Array) : X.data instanceof Float64Array ? X.data : Float64Array.from(X.data);
  return { kind: uint8 ? 'uint8' : 'double', data, rows: X.rows, cols: X.cols, normsSq: rowNormsSq(X.data, X.rows, X.cols) };
}

/** Rows `indices` of `X`, with their squared norms (a copy). */
export function selectRows(X: KernelRows, indices: ArrayLike<number>): KernelRows {
  const d = X.cols;
  const data = X.kind === 'uint8' ? new Uint8Array(indices.length * d) : new Float64Array(indices.length * d);
  const normsSq = new Float64Array(indices.length);
  for (let r = 0; r < indices.length; r++) {
    data.set(X.data.subarray(indices[r] * d, (indices[r] + 1) * d), r * d);
    normsSq[r] = X.normsSq[indices[r]];
  }
  return { kind: X.kind, data, rows: indices.length, cols: d, normsSq };
}

/** `dot(x_i, x_i)` summed left to right in float64, the order libsvm's `Kernel::dot` uses. */
function rowNormsSq(data: NumericArray, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = i * cols; j < (i + 1) * cols; j++) s += data[j] * data[j];
    out[i] = s;
  }
  return out;
}

/** libsvm's kernel value of a row with itself (the `QD` diagonal), from its squared norm. */
export function kernelDiagonal(kernel: SvmKernel, normSq: number): number {
  if (kernel.type === 'rbf') return 1;
  if (kernel.type === 'linear') return normSq;
  return powi(kernel.gamma * normSq + kernel.coef0, kernel.degree);
}

/** libsvm's `powi`: `base^times` by repeated squaring. */
function powi(base: number, times: number): number {
  let tmp = base;
  let ret = 1;
  for (let t = times; t > 0; t = Math.floor(t / 2)) {
    if (t % 2 === 1) ret *= tmp;
    tmp *= tmp;
  }
  return ret;
}

const IO = { a: 'a', b: 'b', aSq: 'asq', bSq: 'bsq', gamma: 'gamma', coef0: 'coef0', degree: 'degree', coef: 'coef', rho: 'rho', out: 'out' } as const;

/**
 * Nodes computing the kernel matrix `K` (double) of rows `a` against rows `b`. Byte data
 * stays in int32 (exact: |x|^2 <= 784 * 255^2 fits easily) up to the distance or the
 * doubled dot product, so a Cast never directly follows MatMulInteger: onnxruntime would
 * fuse MatMulInteger-Cast-Mul into MatMulIntegerToFloat, which rejects doubles.
 */
function kernelNodes(kernel: SvmKernelType, kind: KernelRows['kind']): NodeSpec[] {
  const nodes: NodeSpec[] = [{ op: 'Transpose', inputs: [IO.b], outputs: ['bT'], attributes: { perm: [1, 0] } }];
  const toDouble = (x: string, out: string): NodeSpec => ({ op: 'Cast', inputs: [x], outputs: [out], attributes: { to: E.double } });
  if (kind === 'uint8') nodes.push({ op: 'MatMulInteger', inputs: [IO.a, 'bT'], outputs: ['dot'] });
  else nodes.push({ op: 'MatMul', inputs: [IO.a, 'bT'], outputs: ['dot'] });
  nodes.push({ op: 'Add', inputs: ['dot', 'dot'], outputs: ['dot2'] });
  if (kernel === 'rbf') {
    // libsvm: exp(-gamma * (|a|^2 + |b|^2 - 2 a.b)), in that order.
    nodes.push(
      { op: 'Add', inputs: [IO.aSq, IO.bSq], outputs: ['sq'] },
      { op: 'Sub', inputs: ['sq', 'dot2'], outputs: kind === 'uint8' ? ['d2_i'] : ['d2'] },
      ...(kind === 'uint8' ? [toDouble('d2_i', 'd2')] : []),
      { op: 'Neg', inputs: [IO.gamma], outputs: ['neg_gamma'] },
      { op: 'Mul', inputs: ['neg_gamma', 'd2'], outputs: ['arg'] },
      { op: 'Exp', inputs: ['arg'], outputs: ['K'] },
    );
    return nodes;
  }
  if (kind === 'uint8') nodes.push(toDouble('dot2', 'dot2_f'));
  // Halving the doubled product is exact.
  nodes.push({ op: 'Mul', inputs: [kind === 'uint8' ? 'dot2_f' : 'dot2', 'half'], outputs: kernel === 'linear' ? ['K'] : ['dotd'] });
  if (kernel === 'poly') {
    nodes.push(
      { op: 'Mul', inputs: ['dotd', IO.gamma], outputs: ['g'] },
      { op: 'Add', inputs: ['g', IO.coef0], outputs: ['base'] },
      { op: 'Pow', inputs: ['base', IO.degree], outputs: ['K'] },
    );
  }
  return nodes;
}

function kernelInputs(kind: KernelRows['kind']): GraphSpec['inputs'] {
  const t = kind === 'uint8' ? E.uint8 : E.double;
  const sq = kind === 'uint8' ? E.int32 : E.double;
  return [
    { name: IO.a, type: t, shape: ['rows', 'd'] },
    { name: IO.b, type: t, shape: ['n', 'd'] },
    { name: IO.aSq, type: sq, shape: ['rows', 1] },
    { name: IO.bSq, type: sq, shape: [1, 'n'] },
    { name: IO.gamma, type: E.double, shape: [1] },
    { name: IO.coef0, type: E.double, shape: [1] },
    { name: IO.degree, type: E.double, shape: [1] },
  ];
}

/** The constant `0.5` for linear and polynomial kernels (an unused one would be a load-time warning). */
function constantsFor(kernel: SvmKernelType): GraphSpec['constants'] {
  return kernel === 'rbf' ? [] : [{ name: 'half', type: E.double, dims: [], values: [0.5] }];
}

/** The kernel matrix rounded to float32 (libsvm's `Qfloat`), rows x n. */
function gramGraph(kernel: SvmKernelType, kind: KernelRows['kind']): GraphSpec {
  return {
    name: `svm_gram_${kernel}_${kind}`,
    inputs: kernelInputs(kind),
    outputs: [{ name: IO.out, type: E.float, shape: ['rows', 'n'] }],
    constants: constantsFor(kernel),
    nodes: [...kernelNodes(kernel, kind), { op: 'Cast', inputs: ['K'], outputs: [IO.out], attributes: { to: E.float } }],
  };
}

/** Decision values `K(x, SV) @ coef - rho`, one column per binary problem, float64. */
function decisionGraph(kernel: SvmKernelType, kind: KernelRows['kind']): GraphSpec {
  return {
    name: `svm_decision_${kernel}_${kind}`,
    inputs: [...kernelInputs(kind), { name: IO.coef, type: E.double, shape: ['n', 'p'] }, { name: IO.rho, type: E.double, shape: [1, 'p'] }],
    outputs: [{ name: IO.out, type: E.double, shape: ['rows', 'p'] }],
    constants: constantsFor(kernel),
    nodes: [
      ...kernelNodes(kernel, kind),
      { op: 'MatMul', inputs: ['K', IO.coef], outputs: ['s'] },
      { op: 'Sub', inputs: ['s', IO.rho], outputs: [IO.out] },
    ],
  };
}

/** Budget for one chunk's live rows x n double arrays (dot, distances, kernel, ...), in bytes. */
const CHUNK_BYTES = 256 * 2 ** 20;
const LIVE_COPIES = 5;

function scalar(v: number): ort.Tensor {
  return new ort.Tensor('float64', Float64Array.from([v]), [1]);
}

/** Squared norms as the graph takes them: int32 for bytes (exact integers), else double. */
function normsTensor(rows: KernelRows, start: number, end: number, dims: number[]): ort.Tensor {
  const norms = rows.normsSq.subarray(start, end);
  return rows.kind === 'uint8' ? new ort.Tensor('int32', Int32Array.from(norms), dims) : new ort.Tensor('float64', norms, dims);
}

function tensorOf(rows: KernelRows, start: number, end: number): ort.Tensor {
  const data = rows.data.subarray(start * rows.cols, end * rows.cols);
  return new ort.Tensor(rows.kind === 'uint8' ? 'uint8' : 'float64', data, [end - start, rows.cols]);
}

/**
 * Runs a kernel graph over `a` in chunks of rows against all of `b`, copying each chunk's
 * `width` output columns into `out` (row-major, a.rows x width).
 */
async function runChunked<T extends Float32Array | Float64Array>(
  session: ort.InferenceSession,
  kernel: SvmKernel,
  a: KernelRows,
  b: KernelRows,
  extra: (start: number, end: number) => Record<string, ort.Tensor>,
  out: T,
  width: number,
): Promise<T> {
  if (a.kind !== b.kind || a.cols !== b.cols) throw new RangeError(`kernel operands differ: ${a.kind} x ${a.cols} vs ${b.kind} x ${b.cols}`);
  const bSq = normsTensor(b, 0, b.rows, [1, b.rows]);
  const common = { [IO.b]: tensorOf(b, 0, b.rows), [IO.bSq]: bSq, [IO.gamma]: scalar(kernel.gamma), [IO.coef0]: scalar(kernel.coef0), [IO.degree]: scalar(kernel.degree) };
  const chunk = Math.max(1, Math.floor(CHUNK_BYTES / (Math.max(b.rows, width) * 8 * LIVE_COPIES)));
  for (let start = 0; start < a.rows; start += chunk) {
    const end = Math.min(a.rows, start + chunk);
    const r = await session.run({
      ...common,
      [IO.a]: tensorOf(a, start, end),
      [IO.aSq]: normsTensor(a, start, end, [end - start, 1]),
      ...extra(start, end),
    });
    out.set(r[IO.out].data as T, start * width);
  }
  return out;
}

/**
 * The kernel matrix of `X` with itself, `K(x_i, x_j)` rounded to float32 as libsvm's
 * kernel cache holds it, computed in one pass (row-major).
 */
export async function kernelMatrix(kernel: SvmKernel, X: KernelRows, options?: KernelOptions): Promise<Float32Array> {
  const session = await cachedSession(`svm_gram_${kernel.type}_${X.kind}`, () => gramGraph(kernel.type, X.kind), options);
  return runChunked(session, kernel, X, X, () => ({}), new Float32Array(X.rows * X.rows), X.rows);
}

/**
 * Decision values of every query row for every binary problem: `K(x, SV) @ coef - rho`,
 * where `coef` is support vectors x problems (zero where a vector is not in a problem).
 */
export async function decisionValues(kernel: SvmKernel, queries: KernelRows, sv: KernelRows, coef: Matrix<Float64Array>, rho: Float64Array, options?: KernelOptions): Promise<Matrix<Float64Array>> {
  const p = coef.cols;
  const session = await cachedSession(`svm_decision_${kernel.type}_${queries.kind}`, () => decisionGraph(kernel.type, queries.kind), options);
  const coefT = new ort.Tensor('float64', coef.data, [coef.rows, p]);
  const rhoT = new ort.Tensor('float64', rho, [1, p]);
  const out = await runChunked(session, kernel, queries, sv, () => ({ [IO.coef]: coefT, [IO.rho]: rhoT }), new Float64Array(queries.rows * p), p);
  return new Matrix(out, queries.rows, p);
}
