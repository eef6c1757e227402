import { Matrix, type Target } from '../matrix.js';
import { Estimator, type HasDecisionFunction } from './base.js';
import { BinaryEnsemble } from './binary-ensemble.js';
import { binaryScores, fitBinary, hasDecisionFunction, parseWrapperParams, type WrapperParams } from './nested-estimator.js';
import { argmaxRows, ovrDecisionFunction } from './ovo-votes.js';

const NAME = 'OneVsOneClassifier';

/** OneVsOneClassifier parameters: the wrapped estimator's spec (grids may use `estimator__<param>`). */
export type OneVsOneClassifierParams = WrapperParams;

interface FittedOvo {
  classes: Int32Array;
  estimators: Estimator[];
}

/**
 * scikit-learn 1.2's OneVsOneClassifier: one binary estimator per class pair (i < j,
 * trained on those two classes' rows, class j as 1). The decision function is each
 * class's votes plus its transformed summed confidence (`_ovr_decision_function`);
 * prediction is its argmax, ties to the first class.
 */
export class OneVsOneClassifier extends BinaryEnsemble<FittedOvo> implements HasDecisionFunction {
  readonly name = NAME;

  /** @throws InvalidParameterError for an unknown parameter or a bad estimator spec or nested value. */
  constructor(params: Partial<OneVsOneClassifierParams> = {}) {
    super(parseWrapperParams(NAME, params));
  }

  /**
   * Fits one estimator per class pair.
   * @throws RangeError for a non-label target or fewer than two classes.
   */
  async fit(X: Matrix, y: Target): Promise<this> {
    if (!(y instanceof Int32Array)) throw new TypeError(`${NAME}: y must be an Int32Array of class labels`);
    if (y.length !== X.rows) throw new RangeError(`${NAME}: X has ${X.rows} rows but y has ${y.length}`);
    const classes = Int32Array.from(new Set(y)).sort();
    if (classes.length < 2) throw new RangeError(`${NAME}: can not be fit when only one class is present, got ${classes.length}`);
    const estimators: Estimator[] = [];
    for (let i = 0; i < classes.length; i++) {
      for (let j = i + 1; j < classes.length; j++) {
        const rows: number[] = [];
        y.forEach((v, r) => (v === classes[i] || v === classes[j]) && rows.push(r));
        const yPair = Int32Array.from(rows, (r) => (y[r] === classes[j] ? 1 : 0));
        estimators.push(await fitBinary(this.params.estimator, X.take(rows), yPair));
      }
    }
    this.state = { classes, estimators };
    return this;
  }

  /** Votes plus transformed confidences, samples x classes (one column, class 1's, for two classes). */
  async decisionFunction(X: Matrix): Promise<Matrix<Float64Array>> {
    const { classes, estimators } = this.fittedState();
    const p = estimators.length;
    const predictions = new Int32Array(X.rows * p);
    const confidences = new Float64Array(X.rows * p);
    for (const [k, e] of estimators.entries()) {
      const pred = (await e.predict(X)) as Int32Array;
      const conf = await binaryScores(e, X);
      for (let r = 0; r < X.rows; r++) {
        predictions[r * p + k] = pred[r];
        confidences[r * p + k] = conf[r];
      }
    }
    const Y = ovrDecisionFunction(new Matrix(predictions, X.rows, p), new Matrix(confidences, X.rows, p), classes.length);
    if (classes.length !== 2) return Y;
    return new Matrix(Float64Array.from({ length: X.rows }, (_, r) => Y.data[r * 2 + 1]), X.rows, 1);
  }

  /** The class with the highest decision value (two classes: class 1 above the estimator's threshold). */
  async predict(X: Matrix): Promise<Int32Array> {
    const { classes, estimators } = this.fittedState();
    const Y = await this.decisionFunction(X);
    if (classes.length === 2) {
      const threshold = hasDecisionFunction(estimators[0]) ? 0 : 0.5;
      return Int32Array.from(Y.data, (s) => classes[s > threshold ? 1 : 0]);
    }
    return Int32Array.from(argmaxRows(Y), (c) => classes[c]);
  }
}
