import type { Matrix, Target } from '../matrix.js';
import { accuracyScore } from '../metrics/index.js';

/** Thrown when `predict`, `score` and friends are called before `fit`. */
export class NotFittedError extends Error {
  constructor(name: string) {
    super(`This ${name} instance is not fitted yet. Call 'fit' with appropriate arguments before using this estimator.`);
    this.name = 'NotFittedError';
  }
}

/** Thrown for a parameter value outside what the estimator allows; the message names both. */
export class InvalidParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidParameterError';
  }
}

/** Thrown for a parameter name the estimator does not have: a spec error, not a failed cell. */
export class UnknownParameterError extends InvalidParameterError {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownParameterError';
  }
}

/**
 * Thrown for a value over one of gridfold's resource limits (e.g. `n_estimators` above
 * 10,000), which scikit-learn may accept: a spec error (HTTP 400), not a failed cell, because
 * the limit protects the workers rather than the model.
 */
export class ParameterLimitError extends InvalidParameterError {
  /** @param param - the parameter's name as the estimator that threw knows it, when known */
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'ParameterLimitError';
  }
}

/** Thrown for an estimator name that is not registered: a spec error, naming what is allowed. */
export class UnknownEstimatorError extends InvalidParameterError {
  /**
   * @param path - where the name stands in the spec, e.g. `estimator.name` or `estimator.steps.1.name`
   * @param allowed - the registered names that would fit there
   */
  constructor(
    readonly path: string,
    readonly given: string,
    readonly allowed: readonly string[],
  ) {
    super(`${path} must be one of ${allowed.map((n) => JSON.stringify(n)).join(', ')}, got ${JSON.stringify(given)}`);
    this.name = 'UnknownEstimatorError';
  }
}

/** Plain, JSON-serialisable parameter values (scikit-learn names). */
export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue };
export type Params = Record<string, ParamValue>;

/**
 * What estimators and transformers share, after scikit-learn's BaseEstimator: the
 * constructor stores validated params (defaults filled in) and does nothing else;
 * `setParams` re-validates through the constructor; using it before `fit` throws
 * {@link NotFittedError}.
 */
export abstract class HasParams<P extends Params = Params> {
  /** Class name as scikit-learn spells it, e.g. `KNeighborsClassifier`. */
  abstract readonly name: string;
  protected params: P;

  constructor(params: P) {
    this.params = params;
  }

  getParams(): P {
    return structuredClone(this.params);
  }

  /** Merges `params` into the current ones, re-validated through the constructor. */
  setParams(params: Partial<P>): this {
    const next = this.cloneWith({ ...this.params, ...params });
    this.params = next.params;
    return this;
  }

  /**
   * A new unfitted instance of the same class with `params` (these params by default): what
   * {@link clone} calls. Classes whose constructor takes more than params (a Pipeline's
   * steps, as scikit-learn's `get_params(deep=False)`) override it.
   */
  cloneWith(params: Params = this.getParams()): this {
    const Ctor = this.constructor as new (p: Params) => this;
    return new Ctor(params);
  }

  abstract get fitted(): boolean;

  protected checkFitted(): void {
    if (!this.fitted) throw new NotFittedError(this.name);
  }
}

/**
 * The one estimator contract, after scikit-learn's: the constructor stores validated
 * params (defaults filled in) and does nothing else; `fit` returns `this`; predicting
 * before `fit` throws {@link NotFittedError}. Methods are async because the native
 * kernels (onnxruntime-node) are.
 */
export abstract class Estimator<P extends Params = Params> extends HasParams<P> {
  abstract fit(X: Matrix, y: Target): Promise<this>;
  abstract predict(X: Matrix): Promise<Target>;

  /** Mean accuracy (exact row match for matrix targets), as scikit-learn's ClassifierMixin.score. */
  async score(X: Matrix, y: Target): Promise<number> {
    const pred = await this.predict(X);
    return accuracyScore(y, pred);
  }

  /** The estimator that makes the predictions: itself, or a Pipeline's last step. */
  finalEstimator(): Estimator {
    return this;
  }

  /**
   * What {@link finalEstimator} is given for `X`: `X` itself, or a Pipeline's transformers'
   * output (they must be fitted; the last step need not be, e.g. while it trains).
   */
  async finalInput(X: Matrix): Promise<Matrix> {
    return X;
  }
}

/** What a scorer calls on a fitted estimator. */
export type OutputMethod = 'predict' | 'decision_function' | 'predict_proba';

/**
 * The capability of sharing one fit between grid cells (fit once, score many). Cells of one
 * fold whose share keys are equal run as one task: the group's expensive step is done once by
 * {@link SharesFit.fitShared}, then each cell fits what is its own and is scored. Results are
 * the same as fitting each cell alone.
 */
export interface SharesFit {
  /**
   * The key under which this estimator (with its current params) shares a fit with others of
   * its class, for a scorer that calls `output`; null when it shares nothing then.
   */
  shareKey(output: OutputMethod): string | null;
  /**
   * Does the shared step once for `group` (estimators of this class whose share keys are
   * equal, this one among them or not) on `X`, `y`.
   */
  fitShared(group: readonly Estimator[], X: Matrix, y: Target): Promise<SharedFit>;
}

/** A group's shared step, done: each cell's own part is fitted from it. */
export interface SharedFit {
  /** Fits what is cell `i`'s own on top of the shared step; the estimator returned is fitted. */
  fitCell(i: number): Promise<Estimator>;
}

/** Whether an estimator declares {@link SharesFit}. */
export function sharesFit(estimator: Estimator): estimator is Estimator & SharesFit {
  const e = estimator as Estimator & Partial<SharesFit>;
  return typeof e.shareKey === 'function' && typeof e.fitShared === 'function';
}

/** Estimators that rank samples: `decision_function` gives one column per class (one for binary). */
export interface HasDecisionFunction {
  decisionFunction(X: Matrix): Promise<Matrix<Float64Array>>;
}

/** Estimators that give class probabilities (one column per class, in `classes` order). */
export interface HasPredictProba {
  predictProba(X: Matrix): Promise<Matrix<Float64Array>>;
}

/** scikit-learn's `clone`: a new unfitted estimator (or transformer) with the same (or overridden) params. */
export function clone<E extends HasParams>(estimator: E, params?: Params): E {
  return estimator.cloneWith(params);
}
