import { Matrix, type NumericArray } from '../matrix.js';
import {
  floatCandidateGraph,
  integerSearchGraph,
  IO,
  normsGraph,
  transposeGraph,
  uint8SearchGraph,
} from './knn-graphs.js';
import { choosePlan, float32ScoreErrorBound, scanValues, type SearchPlan, type ValueStats } from './knn-plan.js';
import { byteGrid, certifiedByBytes, quantizeRows, type ByteGrid } from './knn-quantize.js';
import { rankExactly, writeNeighbours } from './knn-rerank.js';
import { ElementType as E, type ElementTypeCode, type GraphSpec } from './onnx-graph.js';
import { cachedSession, ort, type KernelOptions } from './session.js';

/**
 * The `k` nearest training rows of each query, row-major (`rows` x `k`), sorted ascending
 * by (squared distance, training index): scikit-learn's brute-force float64 order.
 */
export interface Neighbors {
  rows: number;
  k: number;
  /** Training row indices. */
  indices: Int32Array;
  /** Squared Euclidean distances (exact for integer data). */
  sqDistances: Float64Array;
}

/** Options for {@link NeighborIndex}. */
export interface NeighborSearchOptions extends KernelOptions {
  /**
   * Memory budget for one chunk's score matrix (queries x training rows, several int32 or
   * float32 copies alive at once), in bytes; also the float path's re-rank batch budget.
   * Queries are processed in chunks that fit.
   * @defaultValue `SCORE_CHUNK_BYTES` (4 MiB) per score copy but at least `MIN_CHUNK_QUERIES`
   * (64) queries, and `RERANK_BATCH_BYTES` (64 MiB) for re-ranking; why these sizes, and
   * how they were measured, is in bench/RESULTS.md ("kNN kernel notes").
   */
  maxChunkBytes?: number;
}

/**
 * Default bytes of one chunk's score copy: a chunk's scores then stay in cache while they
 * are scored and ranked, with room left for a second worker's (workers share the L3).
 */
const SCORE_CHUNK_BYTES = 4 * 1024 ** 2;
/**
 * Fewest queries in a default chunk: the training side is packed for the GEMM once per
 * chunk, and this many queries keep that packing a small part of the chunk's work.
 */
const MIN_CHUNK_QUERIES = 64;
/** Bytes of one score: the graphs' scores are int32 or float32. */
const SCORE_BYTES = 4;
/**
 * Live rows x n float32/int32 arrays each graph holds at its peak (the split graph keeps
 * its two GEMM outputs and their int32 casts), with a margin for onnxruntime's planner.
 */
const SCORE_COPIES = { uint8: 3, integer: 6, quantized: 3, float: 3 } as const;
/**
 * Default bytes of the float path's re-rank batch (gathered candidate rows), the budget every
 * chunk had after the page-fault fix: split over {@link RERANK_COPIES}, each buffer stays
 * within glibc's largest mmap threshold (32 MiB), so it comes from the reused heap rather
 * than a fresh, page-faulted mapping (which mattered before sessions kept their arena).
 */
const RERANK_BATCH_BYTES = 64 * 1024 ** 2;
/** Arrays of candidates x d a re-rank batch held per query when ORT gathered the rows (the budget's unit). */
const RERANK_COPIES = 2;
/** Training rows per norms run, so the float64 copy of the data that run makes stays small. */
const NORM_BLOCK_ROWS = 4096;
/**
 * The uint8 plan stores training values as int8 `t - INT8_SHIFT` (see uint8SearchGraph):
 * `q.t = q.t' + INT8_SHIFT sum(q)`, so distances get `2 INT8_SHIFT sum(q)` back.
 */
const INT8_SHIFT = 128;
/** {@link INT8_SHIFT} is int8's sign bit, flipped in each byte of a 32-bit word at once. */
const INT8_SHIFT_WORD = 0x80808080;
/**
 * First float-path candidates per query: `CANDIDATES_PER_NEIGHBOUR * k + EXTRA_CANDIDATES`,
 * headroom beyond k so that most queries are certified on the first pass; a query that is
 * not gets `CANDIDATE_GROWTH` times as many on each retry.
 */
const CANDIDATES_PER_NEIGHBOUR = 2;
const EXTRA_CANDIDATES = 16;
const CANDIDATE_GROWTH = 4;
/**
 * Margin added to the float32 error bound, relative to `|q|^2 + max |t|^2`: it covers the
 * float64 rounding of the exact distances and of `distance - |q|^2`, which that bound leaves out.
 */
const FLOAT64_RERANK_MARGIN = 1e-12;

type TensorType = 'uint8' | 'uint16' | 'int32' | 'float32' | 'float64';

function tensorType(data: NumericArray): { name: TensorType; code: ElementTypeCode } {
  if (data instanceof Uint8Array) return { name: 'uint8', code: E.uint8 };
  if (data instanceof Uint16Array) return { name: 'uint16', code: E.uint16 };
  if (data instanceof Int32Array) return { name: 'int32', code: E.int32 };
  if (data instanceof Float32Array) return { name: 'float32', code: E.float };
  return { name: 'float64', code: E.double };
}

function rowsOf<T extends NumericArray>(data: T, cols: number, start: number, end: number): T {
  return data.subarray(start * cols, end * cols) as T;
}

/** The quantized plan's training side: its bytes as an index of their own, and the largest residual norm. */
interface Quantized {
  grid: ByteGrid;
  bytes: NeighborIndex;
  maxResidual: number;
}

/** Training data laid out for one element type: transposed, with squared row norms. */
interface Prepared {
  trainT: ort.Tensor;
  normsSq: Float64Array;
  /** `normsSq` as 1 x n tensors: int32 for the integer plans (exact there), float32 for candidates. */
  normsSqInt32: ort.Tensor;
  normsSqFloat32: ort.Tensor;
}

/**
 * A training set ready for exact k-nearest-neighbour queries. Build once per fit; the
 * transposed copies the kernels need are made on first use and kept.
 */
export class NeighborIndex {
  private readonly stats: ValueStats;
  private readonly prepared = new Map<string, Promise<Prepared>>();
  private quantized?: Quantized;

  /** Scans `train` (rejecting NaN/infinity) and keeps a reference to it (no copy). */
  constructor(
    readonly train: Matrix,
    private readonly options: NeighborSearchOptions = {},
  ) {
    this.stats = scanValues(train.data, 'training data');
  }

  /** Number of training rows. */
  get rows(): number {
    return this.train.rows;
  }

  /**
   * The `k` nearest training rows of every query row, exact (see {@link Neighbors}).
   * @throws RangeError when `k` is not in [1, training rows] or the column counts differ.
   */
  async search(queries: Matrix, k: number): Promise<Neighbors> {
    const { rows: n, cols: d } = this.train;
    if (queries.cols !== d) throw new RangeError(`queries have ${queries.cols} features, the training data has ${d}`);
    if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`k must be an integer in [1, ${n}], got ${k}`);
    const plan = choosePlan(this.stats, scanValues(queries.data, 'query data'), d, { uint8Exact: (await integerGemmMode(this.options)) !== null });
    const out: Neighbors = { rows: queries.rows, k, indices: new Int32Array(queries.rows * k), sqDistances: new Float64Array(queries.rows * k) };
    const copies = SCORE_COPIES[plan.kind];
    const chunk = this.options.maxChunkBytes === undefined
      ? Math.max(MIN_CHUNK_QUERIES, Math.floor(SCORE_CHUNK_BYTES / (n * SCORE_BYTES)))
      : Math.max(1, Math.floor(this.options.maxChunkBytes / (n * SCORE_BYTES * copies)));
    for (let start = 0; start < queries.rows; start += chunk) {
      const end = Math.min(queries.rows, start + chunk);
      const q = new Matrix(rowsOf(queries.data, d, start, end), end - start, d);
      if (plan.kind === 'float') await this.searchFloat(q, k, out, start);
      else if (plan.kind === 'quantized') await this.searchQuantized(q, k, out, start);
      else await this.searchInteger(plan, q, k, out, start);
    }
    return out;
  }

  private prepare(type: 'uint8' | 'u8u8' | 'float32'): Promise<Prepared> {
    let p = this.prepared.get(type);
    if (!p) {
      p = (async () => {
        const { rows: n, cols: d, data } = this.train;
        const src = tensorType(data);
        const target = type === 'float32' ? E.float : E.uint8;
        const transpose = await cachedSession(`knn_transpose_${src.code}_${target}`, () => transposeGraph(src.code, target), this.options);
        let trainT = (await transpose.run({ [IO.input]: new ort.Tensor(src.name, data, [n, d]) }))[IO.transposed];
        if (type === 'uint8') {
          // t - INT8_SHIFT as int8 is t with its top bit flipped (two's complement).
          const bytes = trainT.data as Uint8Array;
          flipTopBits(bytes);
          trainT = new ort.Tensor('int8', new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length), [d, n]);
        }
        // Norms in blocks of rows, so their float64 copy of the data stays small.
        const norms = await cachedSession(`knn_norms_${src.code}`, () => normsGraph(src.code), this.options);
        const normsSq = new Float64Array(n);
        for (let start = 0; start < n; start += NORM_BLOCK_ROWS) {
          const end = Math.min(n, start + NORM_BLOCK_ROWS);
          const r = await norms.run({ [IO.input]: new ort.Tensor(src.name, rowsOf(data, d, start, end), [end - start, d]) });
          normsSq.set(r[IO.normsSq].data as Float64Array, start);
        }
        return {
          trainT,
          normsSq,
          normsSqInt32: new ort.Tensor('int32', Int32Array.from(normsSq), [1, n]),
          normsSqFloat32: new ort.Tensor('float32', Float32Array.from(normsSq), [1, n]),
        };
      })();
      this.prepared.set(type, p);
    }
    return p;
  }

  private async searchInteger(plan: Extract<SearchPlan, { kind: 'uint8' | 'integer' }>, q: Matrix, k: number, out: Neighbors, offset: number): Promise<void> {
    const uint8 = plan.kind === 'uint8';
    // uint8 x int8 where that GEMM is exact (VNNI), else uint8 x uint8 (see integerGemmMode).
    const unsigned = uint8 && (await integerGemmMode(this.options)) === 'u8u8';
    const prepared = await this.prepare(uint8 ? (unsigned ? 'u8u8' : 'uint8') : 'float32');
    const session = uint8
      ? await cachedSession(unsigned ? 'knn_u8u8' : 'knn_uint8', () => uint8SearchGraph(unsigned ? 'uint8' : 'int8'), this.options)
      : await cachedSession(`knn_int_${plan.base}`, () => integerSearchGraph(plan.base), this.options);
    const qData = uint8 ? toUint8(q.data) : toFloat32(q.data);
    const r = await session.run({
      [IO.queries]: new ort.Tensor(uint8 ? 'uint8' : 'float32', qData, [q.rows, q.cols]),
      [IO.trainT]: prepared.trainT,
      [IO.trainNormsSq]: prepared.normsSqInt32,
      [IO.k]: kTensor(k),
    });
    const values = r[IO.values].data as Int32Array;
    const indices = r[IO.indices].data as BigInt64Array;
    const qsq = r[IO.queryNormsSq].data as Float64Array;
    // uint8 x int8: scores are against t - INT8_SHIFT.
    const qsum = uint8 && !unsigned ? (r[IO.querySums].data as Float64Array) : undefined;
    for (let i = 0; i < q.rows; i++) {
      const constant = qsq[i] - (qsum ? 2 * INT8_SHIFT * qsum[i] : 0);
      for (let j = 0; j < k; j++) {
        out.indices[(offset + i) * k + j] = Number(indices[i * k + j]);
        out.sqDistances[(offset + i) * k + j] = values[i * k + j] + constant;
      }
    }
  }

  /**
   * An exact uint8 search over the bytes (see knn-quantize.ts) proposes `c` candidates per
   * query; exact float64 distances order them. A query is done once the byte distances' lower
   * bound on every row left out is above its exact k-th distance; the others (a poor grid, many
   * near-ties) take the float32 plan.
   */
  private async searchQuantized(q: Matrix, k: number, out: Neighbors, offset: number): Promise<void> {
    const { rows: n, cols: d } = this.train;
    const { grid, bytes, maxResidual } = this.quantize();
    const { bytes: qBytes, residualNorms } = quantizeRows(q.data, q.rows, d, grid);
    const c = Math.min(n, CANDIDATES_PER_NEIGHBOUR * k + EXTRA_CANDIDATES);
    const near = await bytes.search(new Matrix(qBytes, q.rows, d), c);
    const retry: number[] = [];
    for (let i = 0; i < q.rows; i++) {
      const ranked = rankExactly(q.data, i, this.train.data, d, near.indices.subarray(i * c, (i + 1) * c));
      if (c < n && !certifiedByBytes(ranked[k - 1].sq, near.sqDistances[i * c + c - 1], grid.step, residualNorms[i], maxResidual)) retry.push(i);
      else writeNeighbours(out, offset + i, ranked, k);
    }
    if (retry.length > 0) await this.searchFloat(q, k, out, offset, retry);
  }

  private quantize(): Quantized {
    if (!this.quantized) {
      const { rows: n, cols: d, data } = this.train;
      const grid = byteGrid(this.stats);
      const { bytes, residualNorms } = quantizeRows(data, n, d, grid);
      let maxResidual = 0;
      for (const r of residualNorms) if (r > maxResidual) maxResidual = r;
      this.quantized = { grid, bytes: new NeighborIndex(new Matrix(bytes, n, d), this.options), maxResidual };
    }
    return this.quantized;
  }

  /**
   * float32 GEMM proposes `c` candidates per query; exact float64 distances order them.
   * A query is done once its c-th float32 score, less the proven error bound, is above its
   * exact k-th score: every row left out is then strictly farther. Otherwise it is retried
   * with `CANDIDATE_GROWTH` times as many candidates (at `c` = all rows it is trivially done).
   * `pending`: the rows of `q` to search (all by default).
   */
  private async searchFloat(q: Matrix, k: number, out: Neighbors, offset: number, pending: number[] = Array.from({ length: q.rows }, (_, i) => i)): Promise<void> {
    const { rows: n, cols: d } = this.train;
    const prepared = await this.prepare('float32');
    const candidates = await cachedSession('knn_float_candidates', floatCandidateGraph, this.options);
    let maxTrainNormSq = 0;
    for (const v of prepared.normsSq) if (v > maxTrainNormSq) maxTrainNormSq = v;
    const maxTrainNorm = Math.sqrt(maxTrainNormSq);

    const first = CANDIDATES_PER_NEIGHBOUR * k + EXTRA_CANDIDATES;
    for (let c = Math.min(n, first); pending.length > 0; c = Math.min(n, c * CANDIDATE_GROWTH)) {
      const rowBytes = c * d * Float64Array.BYTES_PER_ELEMENT * RERANK_COPIES;
      const batch = Math.max(1, Math.floor((this.options.maxChunkBytes ?? RERANK_BATCH_BYTES) / rowBytes));
      const retry: number[] = [];
      for (let b = 0; b < pending.length; b += batch) {
        const rows = pending.slice(b, b + batch);
        const sub = new Float32Array(rows.length * d);
        rows.forEach((row, i) => sub.set(q.data.subarray(row * d, (row + 1) * d), i * d));
        const cr = await candidates.run({
          [IO.queries]: new ort.Tensor('float32', sub, [rows.length, d]),
          [IO.trainT]: prepared.trainT,
          [IO.trainNormsSq]: prepared.normsSqFloat32,
          [IO.k]: kTensor(c),
        });
        const approx = cr[IO.values].data as Float32Array;
        const idx = cr[IO.indices].data as BigInt64Array;
        rows.forEach((row, i) => {
          const ranked = rankExactly(q.data, row, this.train.data, d, Array.from(idx.subarray(i * c, (i + 1) * c), Number));
          let qsq = 0;
          for (let j = row * d; j < (row + 1) * d; j++) qsq += q.data[j] * q.data[j];
          const kthScore = ranked[k - 1].sq - qsq;
          const bound = float32ScoreErrorBound(d, Math.sqrt(qsq), maxTrainNorm) + FLOAT64_RERANK_MARGIN * (qsq + maxTrainNormSq);
          if (c < n && !(approx[i * c + c - 1] - bound > kthScore)) retry.push(row);
          else writeNeighbours(out, offset + row, ranked, k);
        });
      }
      pending = retry;
    }
  }
}

/**
 * Exact k nearest neighbours of each query row among the training rows, by squared
 * Euclidean distance (see {@link Neighbors} for the order). For repeated queries against
 * the same training set, build a {@link NeighborIndex} once instead.
 */
export function kNearestNeighbors(train: Matrix, queries: Matrix, k: number, options?: NeighborSearchOptions): Promise<Neighbors> {
  return new NeighborIndex(train, options).search(queries, k);
}

/** `bytes[i] ^= INT8_SHIFT` for every byte, a word at a time where the buffer is aligned. */
function flipTopBits(bytes: Uint8Array): void {
  const word = Uint32Array.BYTES_PER_ELEMENT;
  const head = Math.min(bytes.length, (word - (bytes.byteOffset % word)) % word);
  for (let i = 0; i < head; i++) bytes[i] ^= INT8_SHIFT;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + head, Math.floor((bytes.length - head) / word));
  for (let i = 0; i < words.length; i++) words[i] ^= INT8_SHIFT_WORD;
  for (let i = head + words.length * word; i < bytes.length; i++) bytes[i] ^= INT8_SHIFT;
}

function kTensor(k: number): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]);
}

function toUint8(data: NumericArray): Uint8Array {
  return data instanceof Uint8Array ? data : Uint8Array.from(data);
}

function toFloat32(data: NumericArray): Float32Array {
  return data instanceof Float32Array ? data : Float32Array.from(data);
}

let integerGemm: Promise<'u8s8' | 'u8u8' | null> | undefined;

/**
 * Which of onnxruntime's MatMulInteger kernels is exact on this CPU, checked once per process
 * on worst cases (255 x -128, 255 x 255, over 784 terms): uint8 x int8 (the fastest with VNNI:
 * AVX512-VNNI, AVX-VNNI), else uint8 x uint8, else null (the uint8 data then takes the exact
 * integer plan). On AVX2 alone MLAS adds pairs of uint8 x int8 products in saturating int16
 * (vpmaddubsw: 255 x -128 x 2 = -65280 < -32768): distances, and neighbours, came out wrong on
 * an AMD EPYC with AVX2 only, while its uint8 x uint8 kernel widens to 16 bits first and is exact.
 */
export function integerGemmMode(options?: KernelOptions): Promise<'u8s8' | 'u8u8' | null> {
  integerGemm ??= (async () => {
    const d = 784;
    const run = async (b: 'int8' | 'uint8', value: number) => {
      const session = await cachedSession(`gemm_check_${b}`, gemmCheckGraph(d, b), options);
      const data = b === 'int8' ? new Int8Array(d).fill(value) : new Uint8Array(d).fill(value);
      const out = await session.run({ a: new ort.Tensor('uint8', new Uint8Array(d).fill(255), [1, d]), b: new ort.Tensor(b, data, [d, 1]) });
      return Number((out.y.data as Int32Array)[0]) === 255 * value * d;
    };
    if (await run('int8', -128)) return 'u8s8';
    if (await run('uint8', 255)) return 'u8u8';
    return null;
  })();
  return integerGemm;
}

function gemmCheckGraph(d: number, b: 'int8' | 'uint8'): () => GraphSpec {
  return () => ({
    name: `gemm_check_${b}`,
    inputs: [
      { name: 'a', type: E.uint8, shape: [1, d] },
      { name: 'b', type: b === 'int8' ? E.int8 : E.uint8, shape: [d, 1] },
    ],
    outputs: [{ name: 'y', type: E.int32, shape: [1, 1] }],
    nodes: [{ op: 'MatMulInteger', inputs: ['a', 'b'], outputs: ['y'] }],
  });
}
