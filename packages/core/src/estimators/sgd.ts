import { z } from 'zod';
import { Matrix, type Target } from '../matrix.js';
import { Estimator, InvalidParameterError, type HasDecisionFunction, type HasPredictProba } from './base.js';
import { RandomState, SKLEARN_MAX_INT } from '../random/numpy-random-state.js';
import { param, parseParams } from './params.js';
import { plainSgd, type PlainSgdResult } from './sgd-plain.js';
import { SgdRows } from './sgd-rows.js';
import { interleavedSgd } from './sgd-interleaved.js';
import { sgdThreads, threadedSgd } from './sgd-threads.js';

const schema = z.object({
  loss: param.choice(['hinge', 'log_loss', 'modified_huber', 'squared_hinge', 'perceptron']).default('hinge'),
  penalty: param.choice(['l2', 'l1', 'elasticnet']).nullable().default('l2'),
  alpha: param.number(0, true).default(1e-4),
  l1_ratio: z.number({ error: 'a number in [0, 1]' }).min(0, { error: 'a number in [0, 1]' }).max(1, { error: 'a number in [0, 1]' }).default(0.15),
  fit_intercept: param.bool().default(true),
  max_iter: param.limitedInt(1, 100_000).default(1000),
  tol: param.number().nullable().default(1e-3),
  shuffle: param.bool().default(true),
  random_state: param.seed().default(null),
  learning_rate: param.choice(['optimal', 'constant', 'invscaling', 'adaptive']).default('optimal'),
  eta0: param.number(0).default(0),
  power_t: param.number().default(0.5),
  early_stopping: param.bool().default(false),
  validation_fraction: z.number({ error: 'a number in (0, 1)' }).gt(0, { error: 'a number in (0, 1)' }).lt(1, { error: 'a number in (0, 1)' }).default(0.1),
  n_iter_no_change: param.int(1).default(5),
  average: z.union([z.boolean(), z.number().int().min(0)], { error: 'true, false or an integer >= 0' }).default(false),
});

/** SGDClassifier parameters, with scikit-learn's names and defaults. */
export type SGDClassifierParams = z.infer<typeof schema>;

/**
 * Linear classifier fitted by plain stochastic gradient descent: a port of scikit-learn
 * 1.2's `SGDClassifier` (dense input, no sample or class weights). Binary problems map
 * `classes[1]` to +1; more classes are fitted one-vs-rest. A seeded fit visits samples in
 * exactly scikit-learn's order (same RandomState draws, same `our_rand_r` shuffle). A large
 * one-vs-rest fit on dense rows spreads its problems over the kernel threads
 * (`configureKernels`, GRIDFOLD_THREADS), with the same coefficients as on one.
 */
export class SGDClassifier extends Estimator<SGDClassifierParams> implements HasDecisionFunction, HasPredictProba {
  readonly name = 'SGDClassifier';
  /** Sorted class labels (scikit-learn's `classes_`). */
  classes?: Int32Array;
  /** Weights, one row per binary problem (one row for two classes); `coef_`. */
  coef?: Matrix<Float64Array>;
  /** One intercept per row of {@link coef}; `intercept_`. */
  intercept?: Float64Array;
  /** Epochs run, the maximum over the one-vs-rest problems (`n_iter_`). */
  nIter?: number;
  /** scikit-learn's ConvergenceWarning text when `max_iter` epochs ran with a tolerance set, else undefined. */
  convergenceWarning?: string;

  /**
   * Set by whoever wants the model after each epoch (a study's per-epoch reports; see
   * fitAndScore), not a parameter: called after epoch e with the model a fit with
   * `max_iter = e` returns (same coefficients to the bit; with a tolerance set too, since the
   * stopping test only looks back). For more than two classes, epoch e is done when every
   * one-vs-rest problem still running has done it; a problem that stopped early (its tolerance
   * met) counts with its final weights, exactly as in a fit capped at e. Throwing stops the fit.
   * Unset, it costs nothing: the fit runs as it would without reports.
   */
  onStepModel: ((epoch: number, model: SGDClassifier) => Promise<void>) | undefined = undefined;

  /** @throws InvalidParameterError naming the parameter and the value given. */
  constructor(params: Partial<SGDClassifierParams> = {}) {
    const p = parseParams('SGDClassifier', schema, params);
    if (p.learning_rate !== 'optimal' && p.eta0 <= 0) {
      throw new InvalidParameterError(`SGDClassifier: eta0 must be > 0 when learning_rate is ${JSON.stringify(p.learning_rate)}, got ${p.eta0}`);
    }
    super(p);
  }

  get fitted(): boolean {
    return this.coef !== undefined;
  }

  /** Fits on `X` and integer labels `y`. */
  async fit(X: Matrix, y: Target): Promise<this> {
    if (!(y instanceof Int32Array)) throw new TypeError('SGDClassifier: y must be an Int32Array of class labels');
    if (y.length !== X.rows) throw new RangeError(`SGDClassifier: X has ${X.rows} rows but y has ${y.length} labels`);
    const p = this.params;
    const classes = Int32Array.from(new Set(y)).sort();
    if (classes.length < 2) throw new RangeError(`SGDClassifier: the number of classes has to be greater than one; got ${classes.length} class`);
    const mask = p.early_stopping ? stratifiedHoldout(y, p.validation_fraction, p.random_state) : null;
    const rng = new RandomState(p.random_state ?? randomSeed());
    const positives = classes.length === 2 ? [classes[1]] : Array.from(classes);
    // One-vs-rest draws every problem's seed first, then each seeds its own RandomState.
    const seeds = classes.length === 2 ? [rng] : positives.map(() => new RandomState(rng.randint(0, SKLEARN_MAX_INT)));
    const average = typeof p.average === 'boolean' ? Number(p.average) : p.average;
    const options = {
      loss: p.loss, penalty: p.penalty, alpha: p.alpha, l1Ratio: p.l1_ratio, maxIter: p.max_iter,
      tol: p.tol ?? -Infinity, nIterNoChange: p.n_iter_no_change, fitIntercept: p.fit_intercept,
      shuffle: p.shuffle, learningRate: p.learning_rate, eta0: p.eta0, powerT: p.power_t, average, validationMask: mask,
    };
    const ys = positives.map((c) => Float64Array.from(y, (label) => (label === c ? 1 : -1)));
    const shuffleSeeds = seeds.map((rng) => {
      rng.randint(1, SKLEARN_MAX_INT); // scikit-learn's make_dataset draws a seed it never uses for shuffling
      return rng.randint(0, SKLEARN_MAX_INT);
    });
    // Side by side (sgd-interleaved.ts) for dense rows, and whenever epochs are reported;
    // one problem after another over sparse rows (sgd-rows.ts) for mostly-zero data such as
    // raw images, where that is about 1.7x faster. Large dense fits spread their problems over
    // the kernel threads (sgd-threads.ts); reported epochs keep them on one, in step.
    const onStepModel = this.onStepModel;
    let fits: PlainSgdResult[];
    if (!onStepModel && positives.length > 1 && density(X) > 0.5) {
      fits = await threadedSgd(X, ys, shuffleSeeds, options, sgdThreads(X.rows, X.cols, ys.length, options));
    } else if (onStepModel) {
      fits = await interleavedSgd(X, ys, shuffleSeeds, options, onStepModel && (async (epoch, snapshot) => {
        const model = this.cloneWith();
        model.setFitted(classes, X, snapshot(), average);
        await onStepModel(epoch, model);
      }));
    } else {
      const rows = new SgdRows(X);
      fits = ys.map((yk, k) => plainSgd(rows, yk, { ...options, seed: shuffleSeeds[k] }));
    }
    this.setFitted(classes, X, fits, average);
    const nIter = this.nIter!;
    this.convergenceWarning = p.tol !== null && nIter === p.max_iter
      ? 'Maximum number of iteration reached before convergence. Consider increasing max_iter to improve the fit.'
      : undefined;
    return this;
  }

  /** Sets the fitted attributes from the binary problems' models. */
  private setFitted(classes: Int32Array, X: Matrix, fits: PlainSgdResult[], average: number): void {
    const cols = X.cols;
    const nIter = Math.max(...fits.map((f) => f.nIter));
    // Averaged weights replace the plain ones once averaging has started (average <= t_ - 1).
    const useAverage = average > 0 && average <= nIter * X.rows;
    const coef = new Float64Array(fits.length * cols);
    const intercept = new Float64Array(fits.length);
    fits.forEach((fit, k) => {
      coef.set(useAverage ? fit.averageWeights! : fit.weights, k * cols);
      intercept[k] = useAverage ? fit.averageIntercept : fit.intercept;
    });
    this.classes = classes;
    this.coef = new Matrix(coef, fits.length, cols);
    this.intercept = intercept;
    this.nIter = nIter;
  }

  /** Signed distances `X @ coef.T + intercept`: one column for two classes, else one per class. */
  async decisionFunction(X: Matrix): Promise<Matrix<Float64Array>> {
    this.checkFitted();
    const coef = this.coef!;
    if (X.cols !== coef.cols) throw new RangeError(`SGDClassifier: X has ${X.cols} features, but the model was fitted with ${coef.cols}`);
    const k = coef.rows, d = coef.cols, w = coef.data, x = X.data, b = this.intercept!;
    const out = new Float64Array(X.rows * k);
    for (let i = 0; i < X.rows; i++) {
      const off = i * d;
      for (let c = 0; c < k; c++) {
        const woff = c * d;
        let s = 0;
        for (let j = 0; j < d; j++) s += x[off + j] * w[woff + j];
        out[i * k + c] = s + b[c];
      }
    }
    return new Matrix(out, X.rows, k);
  }

  /** Class labels: `classes[1]` where the decision is > 0 (binary), else the argmax (ties to the first). */
  async predict(X: Matrix): Promise<Int32Array> {
    const scores = await this.decisionFunction(X);
    const classes = this.classes!;
    const k = scores.cols, s = scores.data;
    const out = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      if (k === 1) {
        out[i] = classes[s[i] > 0 ? 1 : 0];
        continue;
      }
      let best = 0;
      for (let c = 1; c < k; c++) if (s[i * k + c] > s[i * k + best]) best = c;
      out[i] = classes[best];
    }
    return out;
  }

  /**
   * Class probabilities, for `log_loss` (logistic of the decision; one-vs-rest rows
   * normalised to sum 1) and `modified_huber` (clipped decision, as scikit-learn).
   * @throws Error for other losses, which give no probabilities.
   */
  async predictProba(X: Matrix): Promise<Matrix<Float64Array>> {
    const loss = this.params.loss;
    if (loss !== 'log_loss' && loss !== 'modified_huber') {
      throw new Error(`SGDClassifier: probability estimates are not available for loss=${JSON.stringify(loss)}`);
    }
    const scores = await this.decisionFunction(X);
    const k = scores.cols, n = X.rows, s = scores.data;
    const map = loss === 'log_loss' ? (v: number) => 1 / (1 + Math.exp(-v)) : (v: number) => (Math.min(1, Math.max(-1, v)) + 1) / 2;
    const width = k === 1 ? 2 : k;
    const out = new Float64Array(n * width);
    for (let i = 0; i < n; i++) {
      if (k === 1) {
        const pos = map(s[i]);
        out[2 * i] = 1 - pos;
        out[2 * i + 1] = pos;
        continue;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += out[i * k + c] = map(s[i * k + c]);
      // modified_huber can clip every class to 0; scikit-learn then answers uniform.
      for (let c = 0; c < k; c++) out[i * k + c] = sum === 0 ? 1 / k : out[i * k + c] / sum;
    }
    return new Matrix(out, n, width);
  }
}

/**
 * Marks a stratified `fraction` of rows for early-stopping validation: each class keeps
 * its share (largest remainders get the leftovers). scikit-learn draws this split with
 * StratifiedShuffleSplit; ours uses the same kind of split, not the same rows.
 */
function stratifiedHoldout(y: Int32Array, fraction: number, seed: number | null): Uint8Array {
  const rng = new RandomState(seed ?? randomSeed());
  const byClass = new Map<number, number[]>();
  y.forEach((label, i) => (byClass.get(label) ?? byClass.set(label, []).get(label)!).push(i));
  const nTest = Math.ceil(fraction * y.length);
  const groups = [...byClass.values()].map((rows) => ({ rows, exact: (nTest * rows.length) / y.length }));
  const take = groups.map((g) => Math.floor(g.exact));
  const byRemainder = groups.map((g, i) => i).sort((a, b) => (groups[b].exact - take[b]) - (groups[a].exact - take[a]));
  for (let r = 0; r < nTest - take.reduce((a, b) => a + b, 0); r++) take[byRemainder[r]]++;
  const mask = new Uint8Array(y.length);
  groups.forEach(({ rows }, g) => {
    for (let i = 0; i < take[g]; i++) {
      const j = i + rng.randint(0, rows.length - i);
      [rows[i], rows[j]] = [rows[j], rows[i]];
      mask[rows[i]] = 1;
    }
  });
  if (take.reduce((a, b) => a + b, 0) === 0 || nTest >= y.length) {
    throw new RangeError(`SGDClassifier: validation_fraction=${fraction} leaves an empty training or validation set for ${y.length} samples`);
  }
  return mask;
}

/** The fraction of X's entries that are nonzero. */
function density(X: Matrix): number {
  const data = X.data;
  let nonzero = 0;
  for (let i = 0; i < data.length; i++) nonzero += data[i] !== 0 ? 1 : 0;
  return nonzero / Math.max(1, data.length);
}

function randomSeed(): number {
  return Math.floor(Math.random() * 0x100000000);
}
