import { z } from 'zod';
import { Matrix, type Target } from '../matrix.js';
import { Estimator, InvalidParameterError, type HasPredictProba } from './base.js';
import { param, parseParams } from './params.js';

const schema = z.object({
  strategy: param.choice(['prior', 'most_frequent', 'constant']).default('prior'),
  constant: z.number({ error: 'an integer class label or null' }).int({ error: 'an integer class label or null' }).nullable().default(null),
});

/** DummyClassifier parameters, with scikit-learn's names and defaults. */
export type DummyClassifierParams = z.infer<typeof schema>;

/**
 * A baseline that ignores the features, as scikit-learn 1.2's `DummyClassifier`:
 * `most_frequent` and `prior` predict the most frequent class (ties to the smallest label);
 * `prior` answers the class frequencies as probabilities, `most_frequent` a one-hot of
 * that class; `constant` always predicts `constant`.
 */
export class DummyClassifier extends Estimator<DummyClassifierParams> implements HasPredictProba {
  readonly name = 'DummyClassifier';
  /** Sorted class labels seen in `fit` (`classes_`). */
  classes?: Int32Array;
  /** Fraction of training samples in each class, in `classes` order (`class_prior_`). */
  classPrior?: Float64Array;

  /** @throws InvalidParameterError naming the parameter and the value given. */
  constructor(params: Partial<DummyClassifierParams> = {}) {
    super(parseParams('DummyClassifier', schema, params));
  }

  get fitted(): boolean {
    return this.classes !== undefined;
  }

  /**
   * Counts the classes of `y`; `X` only has to have as many rows.
   * @throws InvalidParameterError when `strategy` is `constant` and `constant` is missing or not a class of `y`.
   */
  async fit(X: Matrix, y: Target): Promise<this> {
    if (!(y instanceof Int32Array)) throw new TypeError('DummyClassifier: y must be an Int32Array of class labels');
    if (y.length !== X.rows) throw new RangeError(`DummyClassifier: X has ${X.rows} rows but y has ${y.length} labels`);
    const counts = new Map<number, number>();
    for (const label of y) counts.set(label, (counts.get(label) ?? 0) + 1);
    const classes = Int32Array.from(counts.keys()).sort();
    const { strategy, constant } = this.params;
    if (strategy === 'constant') {
      if (constant === null) {
        throw new InvalidParameterError('DummyClassifier: constant must be set when strategy is "constant", got null');
      }
      if (!counts.has(constant)) {
        throw new InvalidParameterError(`DummyClassifier: constant must be a class present in the training data (${classes.join(', ')}), got ${constant}`);
      }
    }
    this.classes = classes;
    this.classPrior = Float64Array.from(classes, (c) => counts.get(c)! / y.length);
    return this;
  }

  /** The same label for every row. */
  async predict(X: Matrix): Promise<Int32Array> {
    this.checkFitted();
    return new Int32Array(X.rows).fill(this.classes![this.predictedIndex()]);
  }

  /** The same probability row for every sample, one column per class. */
  async predictProba(X: Matrix): Promise<Matrix<Float64Array>> {
    this.checkFitted();
    const k = this.classes!.length;
    const row = this.params.strategy === 'prior' ? this.classPrior! : new Float64Array(k);
    if (this.params.strategy !== 'prior') row[this.predictedIndex()] = 1;
    const out = new Float64Array(X.rows * k);
    for (let i = 0; i < X.rows; i++) out.set(row, i * k);
    return new Matrix(out, X.rows, k);
  }

  private predictedIndex(): number {
    if (this.params.strategy === 'constant') return this.classes!.indexOf(this.params.constant!);
    const prior = this.classPrior!;
    let best = 0;
    for (let c = 1; c < prior.length; c++) if (prior[c] > prior[best]) best = c;
    return best;
  }
}
