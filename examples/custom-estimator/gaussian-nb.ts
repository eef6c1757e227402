// A user's own estimator for gridfold: scikit-learn's GaussianNB, written against gridfold's
// contract. `gridfold run` bundles this file (with anything it imports, except @gridfold/* and
// @tensorflow/*, which the workers provide) and uploads it; workers load it from Redis.
import { Estimator, Matrix, param, parseParams, type OutputMethod, type Params, type SharedFit, type Target } from '@gridfold/core';
import { z } from 'zod';

// Parameters are checked by the estimator's own schema: a spec with an unknown name or a bad
// value is refused (HTTP 400) naming it, as for gridfold's own estimators.
const schema = z.object({
  var_smoothing: param.number(0).default(1e-9),
  priors: z.array(z.number()).nullable().default(null),
});
type GaussianNBParams = z.infer<typeof schema>;

/** Per-class means and variances of the features, and class priors: everything but the smoothing. */
interface Moments {
  classes: Int32Array;
  theta: Float64Array;
  variance: Float64Array;
  prior: Float64Array;
  maxVariance: number;
  features: number;
}

function moments(X: Matrix, y: Target, priors: number[] | null): Moments {
  if (!(y instanceof Int32Array)) throw new TypeError('GaussianNB: y must be class labels');
  const classes = Int32Array.from(new Set(y)).sort();
  const d = X.cols;
  const theta = new Float64Array(classes.length * d);
  const variance = new Float64Array(classes.length * d);
  const counts = new Float64Array(classes.length);
  const index = new Map(Array.from(classes, (c, k) => [c, k]));
  for (let i = 0; i < X.rows; i++) {
    const k = index.get(y[i])!;
    counts[k]++;
    const row = X.row(i);
    for (let j = 0; j < d; j++) theta[k * d + j] += Number(row[j]);
  }
  for (let k = 0; k < classes.length; k++) for (let j = 0; j < d; j++) theta[k * d + j] /= counts[k];
  for (let i = 0; i < X.rows; i++) {
    const k = index.get(y[i])!;
    const row = X.row(i);
    for (let j = 0; j < d; j++) variance[k * d + j] += (Number(row[j]) - theta[k * d + j]) ** 2;
  }
  for (let k = 0; k < classes.length; k++) for (let j = 0; j < d; j++) variance[k * d + j] /= counts[k];
  // scikit-learn's epsilon is var_smoothing times the largest variance of any feature over all rows.
  let maxVariance = 0;
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < X.rows; i++) mean += Number(X.row(i)[j]);
    mean /= X.rows;
    let v = 0;
    for (let i = 0; i < X.rows; i++) v += (Number(X.row(i)[j]) - mean) ** 2;
    maxVariance = Math.max(maxVariance, v / X.rows);
  }
  const prior = priors ? Float64Array.from(priors) : counts.map((c) => c / X.rows);
  if (prior.length !== classes.length) throw new RangeError(`GaussianNB: priors has ${prior.length} values for ${classes.length} classes`);
  return { classes, theta, variance, prior, maxVariance, features: d };
}

export class GaussianNB extends Estimator<GaussianNBParams> {
  readonly name = 'GaussianNB';
  private fittedMoments?: Moments;

  constructor(params: Partial<GaussianNBParams> = {}) {
    super(parseParams('GaussianNB', schema, params as Params));
  }

  get fitted(): boolean {
    return this.fittedMoments !== undefined;
  }

  async fit(X: Matrix, y: Target): Promise<this> {
    this.fittedMoments = moments(X, y, this.params.priors);
    return this;
  }

  async predict(X: Matrix): Promise<Int32Array> {
    this.checkFitted();
    const m = this.fittedMoments!;
    const epsilon = this.params.var_smoothing * m.maxVariance;
    const d = m.features;
    const out = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      const row = X.row(i);
      let best = -Infinity;
      for (let k = 0; k < m.classes.length; k++) {
        let ll = Math.log(m.prior[k]);
        for (let j = 0; j < d; j++) {
          const v = m.variance[k * d + j] + epsilon;
          ll -= 0.5 * Math.log(2 * Math.PI * v) + (Number(row[j]) - m.theta[k * d + j]) ** 2 / (2 * v);
        }
        if (ll > best) {
          best = ll;
          out[i] = m.classes[k];
        }
      }
    }
    return out;
  }

  // Fit once, score many: cells that differ only in var_smoothing share the class moments, so
  // gridfold runs them as one task and calls fitShared once per fold.
  shareKey(_output: OutputMethod): string | null {
    return JSON.stringify({ priors: this.params.priors });
  }

  async fitShared(group: readonly Estimator[], X: Matrix, y: Target): Promise<SharedFit> {
    const shared = moments(X, y, this.params.priors);
    return {
      fitCell: async (i) => {
        const est = group[i] as GaussianNB;
        est.fittedMoments = shared;
        return est;
      },
    };
  }
}
