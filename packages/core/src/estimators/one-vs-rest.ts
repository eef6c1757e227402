import { Matrix, type Target } from '../matrix.js';
import { Estimator, type HasDecisionFunction, type HasPredictProba } from './base.js';
import { BinaryEnsemble } from './binary-ensemble.js';
import { binaryScores, fitBinary, hasDecisionFunction, hasMethod, parseWrapperParams, type WrapperParams } from './nested-estimator.js';

const NAME = 'OneVsRestClassifier';

/** OneVsRestClassifier parameters: the wrapped estimator's spec (grids may use `estimator__<param>`). */
export type OneVsRestClassifierParams = WrapperParams;

interface FittedOvr {
  classes: Int32Array;
  estimators: Estimator[];
  /** True for a 0/1 indicator-matrix target (one problem per column). */
  multilabel: boolean;
}

/**
 * scikit-learn 1.2's OneVsRestClassifier: one binary estimator per class (class vs the
 * rest; a single one for two classes), or per column of a 0/1 indicator matrix.
 * Prediction takes the class whose estimator scores highest (decision function, else
 * positive-class probability), ties to the last, as scikit-learn.
 */
export class OneVsRestClassifier extends BinaryEnsemble<FittedOvr> implements HasDecisionFunction, HasPredictProba {
  readonly name = NAME;

  /** @throws InvalidParameterError for an unknown parameter or a bad estimator spec or nested value. */
  constructor(params: Partial<OneVsRestClassifierParams> = {}) {
    super(parseWrapperParams(NAME, params));
  }

  /** Fits one binary problem per class, in class order. */
  async fit(X: Matrix, y: Target): Promise<this> {
    const rows = y instanceof Matrix ? y.rows : y.length;
    if (rows !== X.rows) throw new RangeError(`${NAME}: X has ${X.rows} rows but y has ${rows}`);
    const columns: Int32Array[] = [];
    let classes: Int32Array;
    if (y instanceof Matrix) {
      classes = Int32Array.from({ length: y.cols }, (_, c) => c);
      for (let c = 0; c < y.cols; c++) columns.push(Int32Array.from({ length: y.rows }, (_, r) => (y.get(r, c) === 1 ? 1 : 0)));
    } else {
      classes = Int32Array.from(new Set(y)).sort();
      if (classes.length < 2) throw new RangeError(`${NAME}: y must hold at least two classes, got ${classes.length}`);
      const positives = classes.length === 2 ? [classes[1]] : Array.from(classes);
      for (const c of positives) columns.push(Int32Array.from(y, (v) => (v === c ? 1 : 0)));
    }
    const estimators: Estimator[] = [];
    for (const column of columns) estimators.push(await fitBinary(this.params.estimator, X, column));
    this.state = { classes, estimators, multilabel: y instanceof Matrix };
    return this;
  }

  /**
   * Each estimator's decision function, samples x estimators (one column for two classes).
   * @throws TypeError when the wrapped estimator has no decision function.
   */
  async decisionFunction(X: Matrix): Promise<Matrix<Float64Array>> {
    const { estimators } = this.fittedState();
    this.requireAll('decisionFunction');
    const columns = await Promise.all(estimators.map(async (e) => (await (e as Estimator & HasDecisionFunction).decisionFunction(X)).data));
    return fromColumns(columns, X.rows);
  }

  /**
   * Positive-class probabilities, one column per class; rows sum to 1 except for
   * indicator targets. Two classes give `[1 - p, p]`.
   * @throws TypeError when the wrapped estimator gives no probabilities.
   */
  async predictProba(X: Matrix): Promise<Matrix<Float64Array>> {
    const { estimators, multilabel } = this.fittedState();
    this.requireAll('predictProba');
    const columns: Float64Array[] = [];
    for (const e of estimators) {
      const p = await (e as Estimator & HasPredictProba).predictProba(X);
      columns.push(Float64Array.from({ length: X.rows }, (_, i) => p.data[i * p.cols + 1]));
    }
    if (columns.length === 1) columns.unshift(columns[0].map((p) => 1 - p));
    const Y = fromColumns(columns, X.rows);
    if (!multilabel) {
      for (let i = 0; i < X.rows; i++) {
        let sum = 0;
        for (let c = 0; c < Y.cols; c++) sum += Y.data[i * Y.cols + c];
        for (let c = 0; c < Y.cols; c++) Y.data[i * Y.cols + c] /= sum;
      }
    }
    return Y;
  }

  /**
   * The class whose estimator scores highest (ties: the later class, as scikit-learn's
   * running maximum); for an indicator target, every column scoring above the threshold
   * (0 for decision functions, 0.5 for probabilities).
   */
  async predict(X: Matrix): Promise<Target> {
    const { classes, estimators, multilabel } = this.fittedState();
    if (multilabel) {
      const threshold = hasDecisionFunction(estimators[0]) ? 0 : 0.5;
      const out = new Int32Array(X.rows * estimators.length);
      for (const [c, e] of estimators.entries()) (await binaryScores(e, X)).forEach((s, i) => (out[i * estimators.length + c] = s > threshold ? 1 : 0));
      return new Matrix(out, X.rows, estimators.length);
    }
    if (estimators.length === 1) {
      const threshold = hasDecisionFunction(estimators[0]) ? 0 : 0.5;
      return Int32Array.from(await binaryScores(estimators[0], X), (s) => classes[s > threshold ? 1 : 0]);
    }
    const maxima = new Float64Array(X.rows).fill(-Infinity);
    const argmaxima = new Int32Array(X.rows);
    for (const [c, e] of estimators.entries()) {
      const scores = await binaryScores(e, X);
      for (let i = 0; i < X.rows; i++) {
        if (scores[i] >= maxima[i]) {
          maxima[i] = scores[i];
          argmaxima[i] = c;
        }
      }
    }
    return Int32Array.from(argmaxima, (c) => classes[c]);
  }

  private requireAll(method: 'decisionFunction' | 'predictProba'): void {
    if (!this.fittedState().estimators.every((e) => hasMethod(e, method))) {
      throw new TypeError(`${NAME}: the wrapped ${this.params.estimator.name} has no ${method}`);
    }
  }
}

function fromColumns(columns: Float64Array[], rows: number): Matrix<Float64Array> {
  const out = new Float64Array(rows * columns.length);
  columns.forEach((col, c) => col.forEach((v, i) => (out[i * columns.length + c] = v)));
  return new Matrix(out, rows, columns.length);
}
