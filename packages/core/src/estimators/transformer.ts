import type { Matrix, Target } from '../matrix.js';
import { clone, HasParams, type Params } from './base.js';

/**
 * The transformer contract, the sibling of {@link Estimator}: the constructor stores
 * validated params and does nothing else; `fit` learns from `X` and returns `this`;
 * `transform` maps rows to float64 features and throws {@link NotFittedError} before `fit`.
 */
export abstract class Transformer<P extends Params = Params> extends HasParams<P> {
  /** Learns what `transform` needs from `X`; `y` is accepted for pipelines and ignored. */
  abstract fit(X: Matrix, y?: Target): Promise<this>;
  abstract transform(X: Matrix): Promise<Matrix<Float64Array>>;

  /** `fit(X, y)` then `transform(X)`. */
  async fitTransform(X: Matrix, y?: Target): Promise<Matrix<Float64Array>> {
    await this.fit(X, y);
    return this.transform(X);
  }
}

/** `clone` for transformers: a new unfitted transformer with the same (or given) params. */
export function cloneTransformer<T extends Transformer>(transformer: T, params?: Params): T {
  return clone(transformer, params);
}
