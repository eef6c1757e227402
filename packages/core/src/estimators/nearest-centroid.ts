import { z } from 'zod';
import { pairwiseSum } from '../metrics/numpy-sum.js';
import { Matrix, type Target } from '../matrix.js';
import { Estimator } from './base.js';
import { param, parseParams } from './params.js';

const NAME = 'NearestCentroid';

const schema = z.object({
  metric: param.choice(['euclidean']).default('euclidean'),
  shrink_threshold: z.null({ error: 'null (shrinking is not implemented)' }).default(null),
});

/** NearestCentroid parameters, with scikit-learn's names and defaults. */
export type NearestCentroidParams = z.infer<typeof schema>;

/**
 * scikit-learn 1.2's `NearestCentroid` (euclidean, no shrinking): each class is represented
 * by the mean of its training rows, and a sample gets the class of the nearest mean.
 */
export class NearestCentroid extends Estimator<NearestCentroidParams> {
  readonly name = NAME;
  /** Sorted class labels (`classes_`). */
  classes?: Int32Array;
  /** One row per class, in `classes` order: the mean of its training rows (`centroids_`). */
  centroids?: Matrix<Float64Array>;

  /** @throws InvalidParameterError naming the parameter and the value given. */
  constructor(params: Partial<NearestCentroidParams> = {}) {
    super(parseParams(NAME, schema, params));
  }

  get fitted(): boolean {
    return this.centroids !== undefined;
  }

  /** @throws RangeError when `X` and `y` differ in rows or `y` has fewer than two classes. */
  async fit(X: Matrix, y: Target): Promise<this> {
    if (!(y instanceof Int32Array)) throw new TypeError(`${NAME}: y must be an Int32Array of class labels`);
    if (y.length !== X.rows) throw new RangeError(`${NAME}: X has ${X.rows} rows but y has ${y.length} labels`);
    const classes = Int32Array.from(new Set(y)).sort();
    if (classes.length < 2) throw new RangeError(`${NAME}: y must have at least 2 classes, got ${classes.length}`);
    const centroids = new Float64Array(classes.length * X.cols);
    classes.forEach((c, k) => {
      const members = X.take(Array.from(y.keys()).filter((i) => y[i] === c));
      centroids.set(columnMeans(members), k * X.cols);
    });
    this.classes = classes;
    this.centroids = new Matrix(centroids, classes.length, X.cols);
    return this;
  }

  /** The class of the nearest centroid; ties go to the first class, as numpy's argmin. */
  async predict(X: Matrix): Promise<Int32Array> {
    this.checkFitted();
    const C = this.centroids!;
    if (X.cols !== C.cols) throw new RangeError(`${NAME}: X has ${X.cols} features, but the estimator was fitted with ${C.cols}`);
    const centroidNorms = Array.from({ length: C.rows }, (_, k) => dot(C.row(k), C.row(k)));
    return Int32Array.from({ length: X.rows }, (_, i) => {
      const x = X.row(i);
      const xNorm = dot(x, x);
      let best = 0;
      let bestDistance = Infinity;
      for (let k = 0; k < C.rows; k++) {
        // scikit-learn ranks by the expanded |x|² - 2 x·c + |c|² (one GEMM); the same formula
        // rounds as it does, up to BLAS's order of additions.
        const distance = xNorm - 2 * dot(x, C.row(k)) + centroidNorms[k];
        if (distance < bestDistance) {
          best = k;
          bestDistance = distance;
        }
      }
      return this.classes![best];
    });
  }
}

/** numpy's `X.mean(axis=0)`: row by row down each column, but one column is summed pairwise. */
function columnMeans(X: Matrix): Float64Array {
  const sums = new Float64Array(X.cols);
  if (X.cols === 1) sums[0] = pairwiseSum(X.data);
  else for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) sums[j] += X.data[i * X.cols + j];
  return sums.map((s) => s / X.rows);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += a[j] * b[j];
  return sum;
}
