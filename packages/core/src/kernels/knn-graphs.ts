import { ElementType as E, type ElementTypeCode, type GraphSpec, type NodeSpec } from './onnx-graph.js';

/**
 * ONNX graphs behind the exact k-nearest-neighbour search. Every search graph scores a
 * chunk of queries `q` (rows x d) against the transposed training set `tT` (d x n) as
 * `score = |t|^2 - 2 q.t` (the squared distance minus the per-query constant `|q|^2`) and
 * keeps the `k` smallest with TopK, which orders equal values by lower index.
 */

/** Names of the graphs' inputs and outputs, shared with the code that feeds them. */
export const IO = {
  queries: 'q',
  trainT: 'tT',
  trainNormsSq: 'tsq',
  k: 'k',
  values: 'values',
  indices: 'indices',
  queryNormsSq: 'qsq',
  input: 'x',
  transposed: 'xT',
  normsSq: 'xsq',
  querySums: 'qsum',
} as const;

const kInput = { name: IO.k, type: E.int64, shape: [1] };

function topK(scores: string): NodeSpec {
  return { op: 'TopK', inputs: [scores, IO.k], outputs: [IO.values, IO.indices], attributes: { axis: 1, largest: 0, sorted: 1 } };
}

/** `|x|^2` of each row of `x`, summed in double precision (exact for integer data below 2^53). */
function rowNormsSq(x: string, out: string): NodeSpec[] {
  return [
    { op: 'Cast', inputs: [x], outputs: [`${out}_f64`], attributes: { to: E.double } },
    { op: 'ReduceSumSquare', inputs: [`${out}_f64`], outputs: [out], attributes: { axes: [1], keepdims: 0 } },
  ];
}

/** Transposes a training set once per fit, into the search's element type. */
export function transposeGraph(inputType: ElementTypeCode, outputType: ElementTypeCode): GraphSpec {
  return {
    name: 'knn_transpose',
    inputs: [{ name: IO.input, type: inputType, shape: ['n', 'd'] }],
    outputs: [{ name: IO.transposed, type: outputType, shape: ['d', 'n'] }],
    nodes: [
      { op: 'Cast', inputs: [IO.input], outputs: ['x_cast'], attributes: { to: outputType } },
      { op: 'Transpose', inputs: ['x_cast'], outputs: [IO.transposed], attributes: { perm: [1, 0] } },
    ],
  };
}

/** Squared row norms (double) of a block of training rows. */
export function normsGraph(inputType: ElementTypeCode): GraphSpec {
  return {
    name: 'knn_norms',
    inputs: [{ name: IO.input, type: inputType, shape: ['n', 'd'] }],
    outputs: [{ name: IO.normsSq, type: E.double, shape: ['n'] }],
    nodes: rowNormsSq(IO.input, IO.normsSq),
  };
}

/**
 * From the node `dot` (queries x training rows): score = |t|^2 - 2 q.t, which orders rows as
 * the squared distance does (|q|^2 is the same along a row), and its `k` smallest by TopK.
 */
function scoreTopK(): NodeSpec[] {
  return [
    { op: 'Add', inputs: ['dot', 'dot'], outputs: ['dot2'] },
    { op: 'Sub', inputs: [IO.trainNormsSq, 'dot2'], outputs: ['score'] },
    topK('score'),
  ];
}

/**
 * Exact search for data in 0..255 on both sides. The training set arrives shifted to int8
 * (`t' = t - 128`), because MatMulInteger's uint8 x int8 kernel (AVX-512 VNNI / AVX-VNNI) is
 * faster than uint8 x uint8 on CPUs that have it (rates in bench/RESULTS.md, "kNN kernel
 * notes"). `q.t = q.t' + 128 sum(q)` and the second term is the
 * same along a row, so `score' = |t|^2 - 2 q.t'` ranks rows exactly as the distance does;
 * the graph also returns `sum(q)` so the caller can recover the distance
 * `|q|^2 + score' - 256 sum(q)`. All arithmetic is exact int32.
 */
export function uint8SearchGraph(train: 'int8' | 'uint8' = 'int8'): GraphSpec {
  return {
    name: train === 'int8' ? 'knn_uint8' : 'knn_u8u8',
    inputs: [
      { name: IO.queries, type: E.uint8, shape: ['rows', 'd'] },
      { name: IO.trainT, type: train === 'int8' ? E.int8 : E.uint8, shape: ['d', 'n'] },
      { name: IO.trainNormsSq, type: E.int32, shape: [1, 'n'] },
      kInput,
    ],
    outputs: [
      { name: IO.values, type: E.int32, shape: ['rows', 'k'] },
      { name: IO.indices, type: E.int64, shape: ['rows', 'k'] },
      { name: IO.queryNormsSq, type: E.double, shape: ['rows'] },
      { name: IO.querySums, type: E.double, shape: ['rows'] },
    ],
    nodes: [
      { op: 'MatMulInteger', inputs: [IO.queries, IO.trainT], outputs: ['dot'] },
      ...scoreTopK(),
      ...rowNormsSq(IO.queries, IO.queryNormsSq),
      { op: 'ReduceSum', inputs: [`${IO.queryNormsSq}_f64`, 'axis1'], outputs: [IO.querySums], attributes: { keepdims: 0 } },
    ],
    constants: [{ name: 'axis1', type: E.int64, dims: [1], values: [1] }],
  };
}

/**
 * Exact search for other integer data. With `base` > 0 the queries are split as
 * `q = base*hi + lo` (`base` a power of two, so the split is exact in float32); the caller
 * has checked that every partial sum of `hi.t` and `lo.t` stays below 2^24, where float32
 * holds integers exactly, and that the int32 combination cannot overflow. With `base` 0
 * the bound already holds for `q.t` itself and one GEMM suffices.
 */
export function integerSearchGraph(base: number): GraphSpec {
  const dot: NodeSpec[] =
    base === 0
      ? [
          { op: 'MatMul', inputs: [IO.queries, IO.trainT], outputs: ['dot_f'] },
          { op: 'Cast', inputs: ['dot_f'], outputs: ['dot'], attributes: { to: E.int32 } },
        ]
      : [
          { op: 'Div', inputs: [IO.queries, 'base_f'], outputs: ['q_div'] },
          { op: 'Floor', inputs: ['q_div'], outputs: ['hi'] },
          { op: 'Mul', inputs: ['hi', 'base_f'], outputs: ['hi_scaled'] },
          { op: 'Sub', inputs: [IO.queries, 'hi_scaled'], outputs: ['lo'] },
          { op: 'MatMul', inputs: ['hi', IO.trainT], outputs: ['dot_hi_f'] },
          { op: 'MatMul', inputs: ['lo', IO.trainT], outputs: ['dot_lo_f'] },
          { op: 'Cast', inputs: ['dot_hi_f'], outputs: ['dot_hi'], attributes: { to: E.int32 } },
          { op: 'Cast', inputs: ['dot_lo_f'], outputs: ['dot_lo'], attributes: { to: E.int32 } },
          { op: 'Mul', inputs: ['dot_hi', 'base_i'], outputs: ['dot_hi_scaled'] },
          { op: 'Add', inputs: ['dot_hi_scaled', 'dot_lo'], outputs: ['dot'] },
        ];
  return {
    name: `knn_int_${base}`,
    inputs: [
      { name: IO.queries, type: E.float, shape: ['rows', 'd'] },
      { name: IO.trainT, type: E.float, shape: ['d', 'n'] },
      { name: IO.trainNormsSq, type: E.int32, shape: [1, 'n'] },
      kInput,
    ],
    outputs: [
      { name: IO.values, type: E.int32, shape: ['rows', 'k'] },
      { name: IO.indices, type: E.int64, shape: ['rows', 'k'] },
      { name: IO.queryNormsSq, type: E.double, shape: ['rows'] },
    ],
    constants:
      base === 0
        ? []
        : [
            { name: 'base_f', type: E.float, dims: [], values: [base] },
            { name: 'base_i', type: E.int32, dims: [], values: [base] },
          ],
    nodes: [
      ...dot,
      ...scoreTopK(),
      ...rowNormsSq(IO.queries, IO.queryNormsSq),
    ],
  };
}

/** Candidate search for non-integer data: float32 scores, the `k` smallest by TopK. */
export function floatCandidateGraph(): GraphSpec {
  return {
    name: 'knn_float_candidates',
    inputs: [
      { name: IO.queries, type: E.float, shape: ['rows', 'd'] },
      { name: IO.trainT, type: E.float, shape: ['d', 'n'] },
      { name: IO.trainNormsSq, type: E.float, shape: [1, 'n'] },
      kInput,
    ],
    outputs: [
      { name: IO.values, type: E.float, shape: ['rows', 'k'] },
      { name: IO.indices, type: E.int64, shape: ['rows', 'k'] },
    ],
    nodes: [
      { op: 'MatMul', inputs: [IO.queries, IO.trainT], outputs: ['dot'] },
      ...scoreTopK(),
    ],
  };
}
