import type { Matrix, Target } from '../matrix.js';
import { NotFittedError, type Params } from './base.js';

/**
 * The transformer contract, the sibling of {@link Estimator}: the constructor stores
 * validated params and does nothing else; `fit` learns from `X` and returns `this`;
 * `transform` maps rows to float64 features and throws {@link NotFittedError} before `fit`.
 */
export abstract class Transformer<P extends Params = Params> {
  /** Class name as scikit-learn spells it, e.g. `StandardScaler`. */
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
    const next = cloneTransformer(this, { ...this.params, ...params } as P);
    this.params = next.params as P;
    return this;
  }

  /** Learns what `transform` needs from `X`; `y` is accepted for pipelines and ignored. */
  abstract fit(X: Matrix, y?: Target): Promise<this>;
  abstract transform(X: Matrix): Promise<Matrix<Float64Array>>;
  abstract get fitted(): boolean;

  /** `fit(X, y)` then `transform(X)`. */
  async fitTransform(X: Matrix, y?: Target): Promise<Matrix<Float64Array>> {
    await this.fit(X, y);
    return this.transform(X);
  }

  protected checkFitted(): void {
    if (!this.fitted) throw new NotFittedError(this.name);
  }
}

/** `clone` for transformers: a new unfitted transformer with the same (or given) params. */
export function cloneTransformer<T extends Transformer>(transformer: T, params?: Params): T {
  const Ctor = transformer.constructor as new (p: Params) => T;
  return new Ctor(params ?? transformer.getParams());
}
