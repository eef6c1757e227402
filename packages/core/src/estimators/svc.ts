import { z } from 'zod';
import { decisionValues, kernelRows, type KernelRows, type SvmKernel } from '../kernels/svm-kernel.js';
import { pairwiseSum } from '../metrics/numpy-sum.js';
import { Matrix, type Target } from '../matrix.js';
import { Estimator, InvalidParameterError, type HasDecisionFunction } from './base.js';
import { argmaxRows, ovrDecisionFunction } from './ovo-votes.js';
import { param, parseParams } from './params.js';
import { pairCoefficients, trainLibsvm, type LibsvmModel } from './svm-train.js';

const NAME = 'SVC';
const GAMMA = '"scale", "auto" or a number > 0';

const schema = z.object({
  C: param.number(0, true).default(1),
  kernel: param.choice(['rbf', 'linear', 'poly']).default('rbf'),
  degree: param.int(0).default(3),
  gamma: z.union([z.enum(['scale', 'auto'], { error: GAMMA }), z.number({ error: GAMMA }).finite({ error: GAMMA }).gt(0, { error: GAMMA })], { error: GAMMA }).default('scale'),
  coef0: param.number().default(0),
  shrinking: param.bool().default(true),
  tol: param.number(0, true).default(1e-3),
  cache_size: param.number(0, true).default(200),
  max_iter: param.limitedInt(-1, 10_000_000).default(-1),
  decision_function_shape: param.choice(['ovr', 'ovo']).default('ovr'),
  break_ties: param.bool().default(false),
  random_state: param.seed().default(null),
});

/**
 * SVC parameters, with scikit-learn's names and defaults. `cache_size` (MB) is accepted for
 * compatibility: each binary problem's whole kernel matrix is computed up front, so it
 * changes nothing. `random_state` only seeds probability estimates in scikit-learn, which
 * this SVC does not offer; it is accepted and unused, as there. `max_iter: -1` (the default)
 * sets no limit on solver iterations, as in scikit-learn: the job's wall-clock limit bounds
 * such a fit. A given `max_iter` is at most 10,000,000 (gridfold's limit, the size of
 * libsvm's own cap, `max(10**7, 100 * n_samples)`).
 */
export type SVCParams = z.infer<typeof schema>;

interface FittedSvc {
  classes: Int32Array;
  model: LibsvmModel;
  kernel: SvmKernel;
  /** The support vectors, in the training data's element type. */
  supportVectors: Matrix;
  pairCoef: Matrix<Float64Array>;
  svRows: Map<boolean, KernelRows>;
}

/**
 * C-support vector classification: a port of the libsvm that scikit-learn 1.2 ships (SMO
 * with second-order working-set selection, shrinking, one-vs-one for more than two
 * classes, voting ties to the first class), with kernel matrices and decision values
 * computed by onnxruntime. Byte data (MNIST) gives bit-exact kernel distances.
 */
export class SVC extends Estimator<SVCParams> implements HasDecisionFunction {
  readonly name = NAME;
  private state?: FittedSvc;

  /** @throws InvalidParameterError naming the parameter and the value given. */
  constructor(params: Partial<SVCParams> = {}) {
    super(parseParams(NAME, schema, params));
  }

  get fitted(): boolean {
    return this.state !== undefined;
  }

  /** Sorted class labels (`classes_`). */
  get classes(): Int32Array {
    return this.fittedState().classes;
  }

  /** Training-row indices of the support vectors, grouped by class (`support_`). */
  get support(): Int32Array {
    return this.fittedState().model.support;
  }

  /** The support vectors themselves (`support_vectors_`). */
  get supportVectors(): Matrix {
    return this.fittedState().supportVectors;
  }

  /** Support vectors per class (`n_support_`). */
  get nSupport(): Int32Array {
    return this.fittedState().model.nSupport;
  }

  /** `dual_coef_`: (classes - 1) x support vectors; negated for two classes, as scikit-learn. */
  get dualCoef(): Matrix<Float64Array> {
    const { model } = this.fittedState();
    if (model.nClasses !== 2) return model.dualCoef;
    return new Matrix(model.dualCoef.data.map((v) => -v), model.dualCoef.rows, model.dualCoef.cols);
  }

  /** `intercept_`: one per class pair (`-rho`); `rho` itself for two classes, as scikit-learn. */
  get intercept(): Float64Array {
    const { model } = this.fittedState();
    return model.rho.map((r) => (model.nClasses === 2 ? r : -r));
  }

  /** The kernel coefficient used (`_gamma`): resolved from "scale" or "auto" at fit. */
  get gamma(): number {
    return this.fittedState().kernel.gamma;
  }

  /** Solver iterations per class pair (`n_iter_`). */
  get nIter(): Int32Array {
    return this.fittedState().model.nIter;
  }

  /** 1 when `max_iter` stopped a solver early, else 0 (`fit_status_`). */
  get fitStatus(): 0 | 1 {
    return this.fittedState().model.timedOut ? 1 : 0;
  }

  /** scikit-learn's ConvergenceWarning text when `max_iter` stopped a solver, else undefined. */
  get convergenceWarning(): string | undefined {
    if (!this.fittedState().model.timedOut) return undefined;
    return `Solver terminated early (max_iter=${this.params.max_iter}).  Consider pre-processing your data with StandardScaler or MinMaxScaler.`;
  }

  /**
   * Fits one libsvm problem per class pair on `X` and integer labels `y`.
   * @throws RangeError for mismatched or empty data, or fewer than two classes.
   */
  async fit(X: Matrix, y: Target): Promise<this> {
    if (!(y instanceof Int32Array)) throw new TypeError(`${NAME}: y must be an Int32Array of class labels`);
    if (y.length !== X.rows) throw new RangeError(`${NAME}: X has ${X.rows} rows but y has ${y.length} labels`);
    if (X.rows === 0 || X.cols === 0) throw new RangeError(`${NAME}: X must have at least one sample and one feature, got ${X.rows}x${X.cols}`);
    const classes = Int32Array.from(new Set(y)).sort();
    if (classes.length < 2) throw new RangeError(`${NAME}: the number of classes has to be greater than one; got ${classes.length} class`);
    const code = new Map<number, number>();
    classes.forEach((c, i) => code.set(c, i));
    const codes = Int32Array.from(y, (label) => code.get(label) as number);
    const p = this.params;
    const kernel: SvmKernel = { type: p.kernel, gamma: resolveGamma(p.gamma, X), coef0: p.coef0, degree: p.degree };
    const rows = kernelRows(X);
    const model = await trainLibsvm(rows, codes, classes.length, { kernel, C: p.C, eps: p.tol, shrinking: p.shrinking, maxIter: p.max_iter });
    this.state = {
      classes,
      model,
      kernel,
      supportVectors: X.take(model.support),
      pairCoef: pairCoefficients(model),
      svRows: new Map(),
    };
    return this;
  }

  /**
   * libsvm's raw one-vs-one decision values, samples x pairs (positive: the pair's first
   * class), as scikit-learn's `decision_function` with `decision_function_shape='ovo'`
   * before its binary sign flip.
   */
  private async pairDecisions(X: Matrix): Promise<Matrix<Float64Array>> {
    const state = this.fittedState();
    if (X.cols !== state.supportVectors.cols) {
      throw new RangeError(`${NAME}: X has ${X.cols} features, but the model was fitted with ${state.supportVectors.cols}`);
    }
    const asDouble = !(X.data instanceof Uint8Array && state.supportVectors.data instanceof Uint8Array);
    let sv = state.svRows.get(asDouble);
    if (!sv) state.svRows.set(asDouble, (sv = kernelRows(state.supportVectors, asDouble)));
    return decisionValues(state.kernel, kernelRows(X, asDouble), sv, state.pairCoef, state.model.rho);
  }

  /**
   * scikit-learn's `decision_function`: one column for two classes (positive: `classes[1]`);
   * else the one-vs-one values (`'ovo'`) or their one-vs-rest transform (`'ovr'`).
   */
  async decisionFunction(X: Matrix): Promise<Matrix<Float64Array>> {
    const dec = await this.pairDecisions(X);
    const nClasses = this.fittedState().classes.length;
    if (nClasses === 2) return new Matrix(dec.data.map((v) => -v), dec.rows, 1);
    if (this.params.decision_function_shape === 'ovo') return dec;
    return ovrDecisionFunction(new Matrix(dec.data.map((v) => (v < 0 ? 1 : 0)), dec.rows, dec.cols), new Matrix(dec.data.map((v) => -v), dec.rows, dec.cols), nClasses);
  }

  /**
   * Class labels by libsvm's one-vs-one vote (ties to the first class), or with
   * `break_ties` the argmax of the one-vs-rest decision function.
   * @throws InvalidParameterError for break_ties with decision_function_shape 'ovo', as scikit-learn.
   */
  async predict(X: Matrix): Promise<Int32Array> {
    const { classes } = this.fittedState();
    const p = this.params;
    if (p.break_ties && p.decision_function_shape === 'ovo') {
      throw new InvalidParameterError(`${NAME}: break_ties must be false when decision_function_shape is "ovo", got break_ties=true`);
    }
    if (p.break_ties && classes.length > 2) return Int32Array.from(argmaxRows(await this.decisionFunction(X)), (c) => classes[c]);
    const dec = await this.pairDecisions(X);
    const out = new Int32Array(X.rows);
    const votes = new Int32Array(classes.length);
    for (let r = 0; r < X.rows; r++) {
      votes.fill(0);
      let k = 0;
      for (let i = 0; i < classes.length; i++) {
        for (let j = i + 1; j < classes.length; j++, k++) votes[dec.data[r * dec.cols + k] > 0 ? i : j]++;
      }
      let best = 0;
      for (let c = 1; c < classes.length; c++) if (votes[c] > votes[best]) best = c;
      out[r] = classes[best];
    }
    return out;
  }

  private fittedState(): FittedSvc {
    this.checkFitted();
    return this.state as FittedSvc;
  }
}

/**
 * `gamma` as scikit-learn resolves it: "scale" is 1 / (n_features * X.var()) (1 when the
 * variance is 0), summed as numpy sums so it agrees to the last bit; "auto" is
 * 1 / n_features.
 */
function resolveGamma(gamma: SVCParams['gamma'], X: Matrix): number {
  if (typeof gamma === 'number') return gamma;
  if (gamma === 'auto') return 1 / X.cols;
  const n = X.data.length;
  const mean = numpySum(X.data) / n;
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) sq[i] = (X.data[i] - mean) * (X.data[i] - mean);
  const variance = numpySum(sq) / n;
  return variance !== 0 ? 1 / (X.cols * variance) : 1;
}

/** numpy 1.24's `np.add.reduce` of a large array: pairwise within buffers of 8192 values, buffers added in order. */
function numpySum(a: ArrayLike<number>): number {
  const BUFFER = 8192;
  let sum = 0;
  for (let start = 0; start < a.length; start += BUFFER) sum += pairwiseSum(a, start, Math.min(BUFFER, a.length - start));
  return sum;
}
