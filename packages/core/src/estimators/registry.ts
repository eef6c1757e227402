import type { Estimator, Params } from './base.js';
import { InvalidParameterError } from './base.js';
import { DummyClassifier } from './dummy.js';
import { KNeighborsClassifier } from './knn.js';
import { MLPClassifier } from './mlp.js';
import { OneVsOneClassifier } from './one-vs-one.js';
import { OneVsRestClassifier } from './one-vs-rest.js';
import { Pipeline } from './pipeline.js';
import { RandomForestClassifier } from './random-forest.js';
import { SGDClassifier } from './sgd.js';
import { StandardScaler } from './standard-scaler.js';
import { SVC } from './svc.js';

/** The estimator part of a spec: a class by scikit-learn name, or a Pipeline of steps. */
export interface EstimatorSpec {
  name: string;
  params?: Params;
  steps?: Array<{ name: string; params?: Params }>;
}

type Step = Estimator | StandardScaler;

const FINAL_STEPS: Record<string, new (params?: Params) => Estimator> = {
  KNeighborsClassifier: KNeighborsClassifier as unknown as new (params?: Params) => Estimator,
  SGDClassifier: SGDClassifier as unknown as new (params?: Params) => Estimator,
  DummyClassifier: DummyClassifier as unknown as new (params?: Params) => Estimator,
  MLPClassifier: MLPClassifier as unknown as new (params?: Params) => Estimator,
  SVC: SVC as unknown as new (params?: Params) => Estimator,
  RandomForestClassifier: RandomForestClassifier as unknown as new (params?: Params) => Estimator,
  // Getters: the wrappers build their inner estimator with buildEstimator, and this import
  // cycle must not read their classes before their modules have run.
  get OneVsRestClassifier() {
    return OneVsRestClassifier as unknown as new (params?: Params) => Estimator;
  },
  get OneVsOneClassifier() {
    return OneVsOneClassifier as unknown as new (params?: Params) => Estimator;
  },
};
const TRANSFORMERS: Record<string, new (params?: Params) => StandardScaler> = {
  StandardScaler: StandardScaler as unknown as new (params?: Params) => StandardScaler,
};

/** Class names a spec may use. */
export const ESTIMATOR_NAMES = [...Object.keys(FINAL_STEPS), 'Pipeline'];

/**
 * Builds an unfitted estimator from its spec, with `overrides` (one grid cell) applied on
 * top of the spec's own params. Pipeline params use scikit-learn's `step__param` names.
 * @throws InvalidParameterError for an unknown class or parameter, naming what is allowed.
 */
export function buildEstimator(spec: EstimatorSpec, overrides: Params = {}): Estimator {
  if (spec.name !== 'Pipeline') {
    const Ctor = FINAL_STEPS[spec.name];
    if (!Ctor) throw new InvalidParameterError(`estimator.name must be one of ${ESTIMATOR_NAMES.map((n) => JSON.stringify(n)).join(', ')}, got ${JSON.stringify(spec.name)}`);
    return new Ctor({ ...spec.params, ...overrides });
  }
  const steps = spec.steps ?? [];
  const built: Array<[string, Step]> = steps.map((step, i) => {
    const last = i === steps.length - 1;
    const Ctor = last ? FINAL_STEPS[step.name] : TRANSFORMERS[step.name];
    if (!Ctor) {
      const allowed = Object.keys(last ? FINAL_STEPS : TRANSFORMERS);
      throw new InvalidParameterError(`estimator.steps.${i}.name must be one of ${allowed.map((n) => JSON.stringify(n)).join(', ')}, got ${JSON.stringify(step.name)}`);
    }
    return [step.name.toLowerCase(), new Ctor(step.params)];
  });
  const pipeline = new Pipeline({ steps: built } as never) as unknown as Estimator;
  return Object.keys(overrides).length ? pipeline.setParams(overrides) : pipeline;
}

/**
 * The key under which cells can share one fit: cells of the same fold whose keys are equal
 * are scored by one task from one expensive step. KNN: one neighbour search serves every
 * `weights` and every `n_neighbors` (for scorers that work from predictions). Pipeline: the
 * transformers are fitted once for all cells that differ only in the final step's params.
 * `null`: this estimator shares nothing.
 */
export function shareKey(spec: EstimatorSpec, params: Params, fromPredictions = true): string | null {
  if (spec.name === 'KNeighborsClassifier') {
    if (!fromPredictions) return null;
    const { n_neighbors: _k, weights: _w, ...rest } = { ...spec.params, ...params };
    return `knn:${JSON.stringify(rest)}`;
  }
  if (spec.name === 'Pipeline' && spec.steps && spec.steps.length > 1) {
    const final = `${spec.steps[spec.steps.length - 1].name.toLowerCase()}__`;
    const upstream = Object.entries(params).filter(([k]) => !k.startsWith(final));
    return `pipeline:${JSON.stringify(upstream)}`;
  }
  return null;
}
