import { Estimator, UnknownEstimatorError, type Params } from './base.js';
import { Pipeline, type PipelineStep } from './pipeline.js';
import { Transformer } from './transformer.js';

/** The estimator part of a spec: a class by scikit-learn name, or a Pipeline of steps. */
export interface EstimatorSpec {
  name: string;
  params?: Params;
  steps?: Array<{ name: string; params?: Params }>;
}

/**
 * A class the registry can build: its constructor takes the spec's params and validates them
 * (throwing InvalidParameterError naming the bad value), as every gridfold estimator does.
 */
export type RegisteredClass<T> = new (params: Params) => T;

const estimators = new Map<string, RegisteredClass<Estimator>>();
const transformers = new Map<string, RegisteredClass<Transformer>>();

/**
 * The classes of the plugins the current work uses, looked up after the registered ones. One
 * set at a time per process: a sandboxed processor runs one job at a time and sets its job's
 * plugins first (see `activatePlugins` in plugins/), so two experiments' plugins never meet.
 */
let plugin: { shas: readonly string[]; estimators: ReadonlyMap<string, RegisteredClass<Estimator>>; transformers: ReadonlyMap<string, RegisteredClass<Transformer>> } | null = null;

/**
 * Sets the plugin classes specs may name besides the registered ones (null: none), with the
 * sha256 of the bundles they came from. Use `activatePlugins`, which checks names.
 */
export function setPluginClasses(classes: typeof plugin): void {
  plugin = classes;
}

/** sha256 of the plugin bundles whose classes are in use now, in the order given (empty when none). */
export function activePluginShas(): readonly string[] {
  return plugin?.shas ?? [];
}

/** Whether `name` is one of gridfold's own (registered) estimators or transformers. */
export function isRegisteredName(name: string): boolean {
  return estimators.has(name) || transformers.has(name) || name === PIPELINE;
}

/** The name a spec uses for a Pipeline of steps; built by the registry itself. */
export const PIPELINE = 'Pipeline';

/**
 * Adds an estimator class under its scikit-learn name, so specs can name it (alone, as a
 * Pipeline's last step, or wrapped by OneVsRest / OneVsOne).
 * @throws Error when the name is taken by another class.
 */
export function registerEstimator(name: string, Ctor: RegisteredClass<Estimator>): void {
  register(estimators, name, Ctor);
}

/**
 * Adds a transformer class under its scikit-learn name, for the steps of a Pipeline before the last.
 * @throws Error when the name is taken by another class.
 */
export function registerTransformer(name: string, Ctor: RegisteredClass<Transformer>): void {
  register(transformers, name, Ctor);
}

function register<T>(table: Map<string, RegisteredClass<T>>, name: string, Ctor: RegisteredClass<T>): void {
  if (name === PIPELINE) throw new Error(`"${PIPELINE}" is built from its steps and cannot be registered`);
  const existing = table.get(name);
  if (existing && existing !== Ctor) throw new Error(`an estimator named ${JSON.stringify(name)} is already registered`);
  table.set(name, Ctor);
}

/** Estimator names a spec may use (registered classes and "Pipeline"), sorted. */
export function estimatorNames(): string[] {
  return [...estimators.keys(), ...(plugin?.estimators.keys() ?? []), PIPELINE].sort();
}

/** Transformer names a Pipeline step before the last may use, sorted. */
export function transformerNames(): string[] {
  return [...transformers.keys(), ...(plugin?.transformers.keys() ?? [])].sort();
}

/**
 * Builds an unfitted estimator from its spec, with `overrides` (one grid cell) applied on
 * top of the spec's own params. Pipeline params use scikit-learn's `step__param` names.
 * @throws UnknownEstimatorError for a name that is not registered (naming what is).
 * @throws InvalidParameterError (or UnknownParameterError) for a bad parameter.
 */
export function buildEstimator(spec: EstimatorSpec, overrides: Params = {}): Estimator {
  if (spec.name !== PIPELINE) return new (lookup('estimator', spec.name, 'estimator.name', estimatorNames()))({ ...spec.params, ...overrides });
  const steps = spec.steps ?? [];
  const built = steps.map((step, i): readonly [string, PipelineStep] => {
    const path = `estimator.steps.${i}.name`;
    const Ctor = i === steps.length - 1 ? lookup('estimator', step.name, path, estimatorNames().filter((n) => n !== PIPELINE)) : lookup('transformer', step.name, path, transformerNames());
    return [step.name.toLowerCase(), new Ctor(step.params ?? {})];
  });
  return new Pipeline({ steps: built }, overrides);
}

function lookup(kind: 'estimator', name: string, path: string, allowed: string[]): RegisteredClass<Estimator>;
function lookup(kind: 'transformer', name: string, path: string, allowed: string[]): RegisteredClass<Transformer>;
function lookup(kind: 'estimator' | 'transformer', name: string, path: string, allowed: string[]): RegisteredClass<Estimator | Transformer> {
  const Ctor = kind === 'estimator' ? (estimators.get(name) ?? plugin?.estimators.get(name)) : (transformers.get(name) ?? plugin?.transformers.get(name));
  if (!Ctor) throw new UnknownEstimatorError(path, name, allowed);
  return Ctor;
}
