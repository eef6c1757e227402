import { z } from 'zod';
import { Matrix, type Target } from '../matrix.js';
import { param, parseParams } from './params.js';
import { Transformer } from './transformer.js';

const schema = z.object({
  with_mean: param.bool().default(true),
  with_std: param.bool().default(true),
});

/** StandardScaler parameters, with scikit-learn's names and defaults. */
export type StandardScalerParams = z.infer<typeof schema>;

/**
 * Centres each feature on its mean and divides by its population standard deviation,
 * as scikit-learn 1.2's `StandardScaler` (dense input). Features that are constant up to
 * rounding keep scale 1, so they map to 0 instead of dividing by ~0.
 */
export class StandardScaler extends Transformer<StandardScalerParams> {
  readonly name = 'StandardScaler';
  /** Per-feature mean (`mean_`). */
  mean?: Float64Array;
  /** Per-feature population variance (`var_`). */
  variance?: Float64Array;
  /** Per-feature divisor: sqrt of the variance, 1 for constant features (`scale_`). */
  scale?: Float64Array;

  /** @throws InvalidParameterError naming the parameter and the value given. */
  constructor(params: Partial<StandardScalerParams> = {}) {
    super(parseParams('StandardScaler', schema, params));
  }

  get fitted(): boolean {
    return this.mean !== undefined;
  }

  /** Computes mean and variance per feature; `y` is ignored. */
  async fit(X: Matrix, _y?: Target): Promise<this> {
    const { rows: n, cols: d, data } = X;
    if (n === 0) throw new RangeError('StandardScaler: X has 0 rows; at least 1 is required');
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
    for (let j = 0; j < d; j++) mean[j] /= n;
    // Two passes with scikit-learn's correction term (Chan, Golub and LeVeque), which
    // cancels most of the rounding left in the mean.
    const sq = new Float64Array(d);
    const correction = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const r = data[i * d + j] - mean[j];
        correction[j] += r;
        sq[j] += r * r;
      }
    }
    const variance = new Float64Array(d);
    const scale = new Float64Array(d);
    const eps = Number.EPSILON;
    for (let j = 0; j < d; j++) {
      variance[j] = (sq[j] - (correction[j] * correction[j]) / n) / n;
      const nearlyConstant = variance[j] <= n * eps * variance[j] + (n * mean[j] * eps) ** 2;
      scale[j] = nearlyConstant ? 1 : Math.sqrt(variance[j]);
    }
    this.mean = mean;
    this.variance = variance;
    this.scale = scale;
    return this;
  }

  /** `(X - mean) / scale`, each step only when its parameter is on. */
  async transform(X: Matrix): Promise<Matrix<Float64Array>> {
    this.checkFitted();
    const d = this.mean!.length;
    if (X.cols !== d) throw new RangeError(`StandardScaler: X has ${X.cols} features, but the scaler was fitted with ${d}`);
    const shift = this.params.with_mean ? this.mean! : new Float64Array(d);
    const divisor = this.params.with_std ? this.scale! : new Float64Array(d).fill(1);
    const out = new Float64Array(X.rows * d);
    const data = X.data;
    for (let i = 0; i < X.rows; i++) {
      for (let j = 0; j < d; j++) out[i * d + j] = (data[i * d + j] - shift[j]) / divisor[j];
    }
    return new Matrix(out, X.rows, d);
  }
}
