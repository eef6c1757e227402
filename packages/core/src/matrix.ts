/** Numeric storage a {@link Matrix} can hold. Integer arrays keep MNIST pixels small in memory. */
export type NumericArray = Float64Array | Float32Array | Uint8Array | Uint16Array | Int32Array;

/**
 * A dense row-major matrix. Rows are samples, columns are features (or outputs for
 * multilabel / multioutput targets).
 */
export class Matrix<T extends NumericArray = NumericArray> {
  constructor(
    readonly data: T,
    readonly rows: number,
    readonly cols: number,
  ) {
    if (data.length !== rows * cols) {
      throw new RangeError(`matrix data has ${data.length} values, expected rows*cols = ${rows}*${cols}`);
    }
  }

  /** A view (no copy) of row `i`. */
  row(i: number): T {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols) as T;
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  /** The first `n` rows, as a view (no copy). */
  head(n: number): Matrix<T> {
    const rows = Math.min(n, this.rows);
    return new Matrix(this.data.subarray(0, rows * this.cols) as T, rows, this.cols);
  }

  /** A copy holding the rows named by `indices`, in that order. */
  take(indices: ArrayLike<number>): Matrix<T> {
    const Ctor = this.data.constructor as new (n: number) => T;
    const out = new Ctor(indices.length * this.cols);
    for (let r = 0; r < indices.length; r++) {
      const src = indices[r] * this.cols;
      out.set(this.data.subarray(src, src + this.cols), r * this.cols);
    }
    return new Matrix(out, indices.length, this.cols);
  }

  /** A Float64 copy, for estimators that compute in double precision. */
  toFloat64(): Matrix<Float64Array> {
    return new Matrix(Float64Array.from(this.data), this.rows, this.cols);
  }

  /** A Float32 copy (or this matrix if it already is one), for the onnxruntime kernels. */
  toFloat32(): Matrix<Float32Array> {
    if (this.data instanceof Float32Array) return this as unknown as Matrix<Float32Array>;
    return new Matrix(Float32Array.from(this.data), this.rows, this.cols);
  }
}

/**
 * A target: class labels (binary targets use 0/1) as an Int32Array, or a matrix of
 * outputs for multilabel (0/1 columns) and multioutput (numeric columns) problems.
 */
export type Target = Int32Array | Matrix;

/** Rows `indices` of a target. */
export function takeTarget(y: Target, indices: ArrayLike<number>): Target {
  if (y instanceof Matrix) return y.take(indices);
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = y[indices[i]];
  return out;
}

/** Number of samples in a target. */
export function targetLength(y: Target): number {
  return y instanceof Matrix ? y.rows : y.length;
}
