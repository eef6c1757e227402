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
    const next = clone(this, { ...this.params, ...params } as P);
    this.params = next.params as P;
    return this;
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
}

/** Estimators that rank samples: `decision_function` gives one column per class (one for binary). */
export interface HasDecisionFunction {
  decisionFunction(X: Matrix): Promise<Matrix<Float64Array>>;
}

/** Estimators that give class probabilities (one column per class, in `classes` order). */
export interface HasPredictProba {
  predictProba(X: Matrix): Promise<Matrix<Float64Array>>;
}

/** Constructor shape every estimator class has: params in, validated params stored. */
export type EstimatorClass<P extends Params = Params> = new (params?: Partial<P>) => Estimator<P>;

/** scikit-learn's `clone`: a new unfitted estimator (or transformer) with the same (or overridden) params. */
export function clone<E extends HasParams>(estimator: E, params?: Params): E {
  const Ctor = estimator.constructor as new (p: Params) => E;
  return new Ctor(params ?? estimator.getParams());
}
