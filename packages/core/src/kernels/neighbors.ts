import { Matrix, type NumericArray } from '../matrix.js';
import {
  exactDistanceGraph,
  floatCandidateGraph,
  integerSearchGraph,
  IO,
  normsGraph,
  transposeGraph,
  uint8SearchGraph,
} from './knn-graphs.js';
import { choosePlan, float32ScoreErrorBound, scanValues, type SearchPlan, type ValueStats } from './knn-plan.js';
import { ElementType as E, type ElementTypeCode } from './onnx-graph.js';
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
   * float32 copies alive at once), in bytes. Queries are processed in chunks that fit.
   * @defaultValue about 4 MiB per copy, so a chunk's scores stay in cache while they are
   * scored and ranked (two workers share the 32 MiB L3), but at least 64 queries, so packing
   * the training side for the GEMM (once per chunk) stays a small part of it. Measured on
   * this machine, one thread: 2,000 x 8,000 queries 48 ms at 262 rows vs 86 ms at 699;
   * 4,096 x 60,000 about the same from 64 to 1,024 rows; below ~30 rows the packing
   * dominates. With two workers side by side, 4 MiB beat 8 MiB (1.70x vs 1.51x 1 -> 2).
   */
  maxChunkBytes?: number;
}

const DEFAULT_BYTES_PER_COPY = 4 * 2 ** 20;
const MIN_DEFAULT_CHUNK_ROWS = 64;
/** The float path's re-rank batch budget (gathered candidate rows), bytes. */
const DEFAULT_RERANK_BYTES = 64 * 2 ** 20;
const NORM_BLOCK_ROWS = 4096;
/**
 * Live rows x n float32/int32 arrays each graph holds at its peak (the split graph keeps
 * its two GEMM outputs and their int32 casts), with a margin for onnxruntime's planner.
 */
const SCORE_COPIES = { uint8: 3, integer: 6, float: 3 } as const;

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
  private train64?: ort.Tensor;

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
    const plan = choosePlan(this.stats, scanValues(queries.data, 'query data'), d);
    const out: Neighbors = { rows: queries.rows, k, indices: new Int32Array(queries.rows * k), sqDistances: new Float64Array(queries.rows * k) };
    const copies = SCORE_COPIES[plan.kind];
    const chunk = this.options.maxChunkBytes === undefined
      ? Math.max(MIN_DEFAULT_CHUNK_ROWS, Math.floor(DEFAULT_BYTES_PER_COPY / (n * 4)))
      : Math.max(1, Math.floor(this.options.maxChunkBytes / (n * 4 * copies)));
    for (let start = 0; start < queries.rows; start += chunk) {
      const end = Math.min(queries.rows, start + chunk);
      const q = new Matrix(rowsOf(queries.data, d, start, end), end - start, d);
      if (plan.kind === 'float') await this.searchFloat(q, k, out, start);
      else await this.searchInteger(plan, q, k, out, start);
    }
    return out;
  }

  private prepare(type: 'uint8' | 'float32'): Promise<Prepared> {
    let p = this.prepared.get(type);
    if (!p) {
      p = (async () => {
        const { rows: n, cols: d, data } = this.train;
        const src = tensorType(data);
        const target = type === 'uint8' ? E.uint8 : E.float;
        const transpose = await cachedSession(`knn_transpose_${src.code}_${target}`, () => transposeGraph(src.code, target), this.options);
        let trainT = (await transpose.run({ [IO.input]: new ort.Tensor(src.name, data, [n, d]) }))[IO.transposed];
        if (type === 'uint8') {
          // t - 128 as int8 is t with its top bit flipped (two's complement); see uint8SearchGraph.
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

  private async searchInteger(plan: Exclude<SearchPlan, { kind: 'float' }>, q: Matrix, k: number, out: Neighbors, offset: number): Promise<void> {
    const uint8 = plan.kind === 'uint8';
    const prepared = await this.prepare(uint8 ? 'uint8' : 'float32');
    const session = uint8
      ? await cachedSession('knn_uint8', uint8SearchGraph, this.options)
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
    // uint8: scores are against t - 128 (see uint8SearchGraph).
    const qsum = uint8 ? (r[IO.querySums].data as Float64Array) : undefined;
    for (let i = 0; i < q.rows; i++) {
      const constant = qsq[i] - (qsum ? 256 * qsum[i] : 0);
      for (let j = 0; j < k; j++) {
        out.indices[(offset + i) * k + j] = Number(indices[i * k + j]);
        out.sqDistances[(offset + i) * k + j] = values[i * k + j] + constant;
      }
    }
  }

  /**
   * float32 GEMM proposes `c` candidates per query; exact float64 distances order them.
   * A query is done once its c-th float32 score, less the proven error bound, is above its
   * exact k-th score: every row left out is then strictly farther. Otherwise it is retried
   * with four times as many candidates (at `c` = all rows it is trivially done).
   */
  private async searchFloat(q: Matrix, k: number, out: Neighbors, offset: number): Promise<void> {
    const { rows: n, cols: d } = this.train;
    const prepared = await this.prepare('float32');
    const candidates = await cachedSession('knn_float_candidates', floatCandidateGraph, this.options);
    const exact = await cachedSession('knn_exact_distances', exactDistanceGraph, this.options);
    this.train64 ??= new ort.Tensor('float64', toFloat64(this.train.data), [n, d]);
    let maxTrainNormSq = 0;
    for (const v of prepared.normsSq) if (v > maxTrainNormSq) maxTrainNormSq = v;
    const maxTrainNorm = Math.sqrt(maxTrainNormSq);
    const q64 = toFloat64(q.data);

    let pending = Array.from({ length: q.rows }, (_, i) => i);
    for (let c = Math.min(n, 2 * k + 16); pending.length > 0; c = Math.min(n, c * 4)) {
      // The exact graph holds two rows x c x d float64 arrays (gathered rows, differences).
      const batch = Math.max(1, Math.floor((this.options.maxChunkBytes ?? DEFAULT_RERANK_BYTES) / (c * d * 8 * 2)));
      const retry: number[] = [];
      for (let b = 0; b < pending.length; b += batch) {
        const rows = pending.slice(b, b + batch);
        const sub64 = new Float64Array(rows.length * d);
        rows.forEach((row, i) => sub64.set(q64.subarray(row * d, (row + 1) * d), i * d));
        const cr = await candidates.run({
          [IO.queries]: new ort.Tensor('float32', Float32Array.from(sub64), [rows.length, d]),
          [IO.trainT]: prepared.trainT,
          [IO.trainNormsSq]: prepared.normsSqFloat32,
          [IO.k]: kTensor(c),
        });
        const approx = cr[IO.values].data as Float32Array;
        const er = await exact.run({ [IO.queries]: new ort.Tensor('float64', sub64, [rows.length, d]), [IO.train]: this.train64, [IO.candidates]: cr[IO.indices] });
        const dist = er[IO.exact].data as Float64Array;
        const idx = cr[IO.indices].data as BigInt64Array;
        rows.forEach((row, i) => {
          const order = Array.from({ length: c }, (_, j) => j);
          order.sort((a, z) => dist[i * c + a] - dist[i * c + z] || Number(idx[i * c + a] - idx[i * c + z]));
          let qsq = 0;
          for (let j = 0; j < d; j++) qsq += sub64[i * d + j] * sub64[i * d + j];
          const kthScore = dist[i * c + order[k - 1]] - qsq;
          const bound = float32ScoreErrorBound(d, Math.sqrt(qsq), maxTrainNorm) + 1e-12 * (qsq + maxTrainNormSq);
          if (c < n && !(approx[i * c + c - 1] - bound > kthScore)) {
            retry.push(row);
            return;
          }
          for (let j = 0; j < k; j++) {
            out.indices[(offset + row) * k + j] = Number(idx[i * c + order[j]]);
            out.sqDistances[(offset + row) * k + j] = dist[i * c + order[j]];
          }
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

/** `bytes[i] ^= 0x80` for every byte, four at a time where the buffer is aligned. */
function flipTopBits(bytes: Uint8Array): void {
  const head = Math.min(bytes.length, (4 - (bytes.byteOffset % 4)) % 4);
  for (let i = 0; i < head; i++) bytes[i] ^= 0x80;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + head, Math.floor((bytes.length - head) / 4));
  for (let i = 0; i < words.length; i++) words[i] ^= 0x80808080;
  for (let i = head + words.length * 4; i < bytes.length; i++) bytes[i] ^= 0x80;
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

function toFloat64(data: NumericArray): Float64Array {
  return data instanceof Float64Array ? data : Float64Array.from(data);
}
