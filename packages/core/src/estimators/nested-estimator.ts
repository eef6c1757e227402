import { z } from 'zod';
import { Matrix } from '../matrix.js';
import { Estimator, InvalidParameterError, ParameterLimitError, type HasDecisionFunction, type HasPredictProba, type Params } from './base.js';
import { parseParams } from './params.js';
import { buildEstimator, type EstimatorSpec } from './registry.js';

/** Parameters of a meta-estimator that wraps one estimator given by its spec. */
export type WrapperParams = {
  /** The wrapped estimator, as in an experiment spec: `{name, params}` (or a Pipeline's `{name, steps, params}`). */
  estimator: { name: string; params?: Params; steps?: Array<{ name: string; params?: Params }> };
};

const stepSchema = z.object({ name: z.string(), params: z.record(z.string(), z.any()).optional() }).strict();
const schema = z.object({
  estimator: z
    .object({ name: z.string().min(1), params: z.record(z.string(), z.any()).optional(), steps: z.array(stepSchema).optional() }, { error: 'an estimator spec {name, params}' })
    .strict(),
});

const NESTED = 'estimator__';

/**
 * Validates a wrapper's params: `estimator__<param>` keys (scikit-learn's nested names,
 * as grids use them) are folded into `estimator.params`, and the wrapped estimator is
 * built once so a bad nested value fails here, naming it.
 * @throws InvalidParameterError for an unknown parameter or a bad spec or nested value.
 */
export function parseWrapperParams(owner: string, params: Partial<WrapperParams> & Params = {}): WrapperParams {
  const nested: Params = {};
  const own: Params = {};
  for (const [key, value] of Object.entries(params)) {
    if (key.startsWith(NESTED)) nested[key.slice(NESTED.length)] = value;
    else own[key] = value as Params[string];
  }
  const parsed = parseParams(owner, schema, own) as WrapperParams;
  const spec = structuredClone(parsed.estimator);
  if (Object.keys(nested).length > 0) spec.params = { ...spec.params, ...nested };
  try {
    buildNested(spec);
  } catch (err) {
    if (!(err instanceof InvalidParameterError)) throw err;
    // Over a limit stays over a limit when wrapped: the spec is refused, not the cell.
    if (err instanceof ParameterLimitError) throw new ParameterLimitError(`${owner}: estimator: ${err.message}`);
    throw new InvalidParameterError(`${owner}: estimator: ${err.message}`);
  }
  return { estimator: spec };
}

/** A new unfitted estimator from a wrapper's spec (params on top of a Pipeline's steps, as grids apply them). */
export function buildNested(spec: WrapperParams['estimator']): Estimator {
  const own: EstimatorSpec = { name: spec.name, steps: spec.steps };
  return buildEstimator(own, spec.params ?? {});
}

/**
 * scikit-learn's `_predict_binary`: the decision function when the estimator has one,
 * else the probability of the positive class.
 */
export async function binaryScores(estimator: Estimator, X: Matrix): Promise<Float64Array> {
  const final = estimator.finalEstimator();
  if (typeof (final as Partial<HasDecisionFunction>).decisionFunction === 'function') {
    return (await (estimator as Estimator & HasDecisionFunction).decisionFunction(X)).data;
  }
  if (typeof (final as Partial<HasPredictProba>).predictProba === 'function') {
    const proba = await (estimator as Estimator & HasPredictProba).predictProba(X);
    return Float64Array.from({ length: proba.rows }, (_, i) => proba.data[i * proba.cols + 1]);
  }
  throw new TypeError(`${estimator.name} has neither decisionFunction nor predictProba`);
}

/** Whether `binaryScores` uses the decision function (threshold 0) rather than probabilities (threshold 0.5). */
export function hasDecisionFunction(estimator: Estimator): boolean {
  return hasMethod(estimator, 'decisionFunction');
}

/** Whether the estimator (a Pipeline's final step) has `method`. */
export function hasMethod(estimator: Estimator, method: 'decisionFunction' | 'predictProba'): boolean {
  const final: Estimator & Partial<HasDecisionFunction & HasPredictProba> = estimator.finalEstimator();
  return typeof final[method] === 'function';
}

/**
 * scikit-learn's `_ConstantPredictor`: stands in for a binary problem whose training
 * labels are all one value; predicts, scores and gives probability 1 for that value.
 */
export class ConstantPredictor extends Estimator<Params> implements HasDecisionFunction, HasPredictProba {
  readonly name = '_ConstantPredictor';
  private value?: number;

  constructor() {
    super({});
  }

  get fitted(): boolean {
    return this.value !== undefined;
  }

  async fit(_X: Matrix, y: Int32Array): Promise<this> {
    this.value = y[0];
    return this;
  }

  async predict(X: Matrix): Promise<Int32Array> {
    this.checkFitted();
    return new Int32Array(X.rows).fill(this.value as number);
  }

  async decisionFunction(X: Matrix): Promise<Matrix<Float64Array>> {
    this.checkFitted();
    return new Matrix(new Float64Array(X.rows).fill(this.value as number), X.rows, 1);
  }

  async predictProba(X: Matrix): Promise<Matrix<Float64Array>> {
    this.checkFitted();
    const out = new Float64Array(X.rows * 2);
    for (let i = 0; i < X.rows; i++) {
      out[2 * i] = 1 - (this.value as number);
      out[2 * i + 1] = this.value as number;
    }
    return new Matrix(out, X.rows, 2);
  }
}

/** scikit-learn's `_fit_binary`: a clone of the wrapped estimator, or a constant when `y` has one value. */
export async function fitBinary(spec: WrapperParams['estimator'], X: Matrix, y: Int32Array): Promise<Estimator> {
  const constant = y.every((v) => v === y[0]);
  const estimator = constant ? new ConstantPredictor() : buildNested(spec);
  return estimator.fit(X, y);
}
