import type { Matrix, Target } from '../matrix.js';
import {
  clone,
  Estimator,
  InvalidParameterError,
  type HasDecisionFunction,
  type HasPredictProba,
  type OutputMethod,
  type Params,
  type SharedFit,
  type SharesFit,
} from './base.js';
import { cloneTransformer, Transformer } from './transformer.js';

/** A pipeline step: transformers first, one estimator last. */
export type PipelineStep = Transformer | Estimator;

/** What a {@link Pipeline} is built from: named steps, as scikit-learn's `Pipeline(steps=...)`. */
export interface PipelineOptions {
  steps: ReadonlyArray<readonly [string, PipelineStep]>;
}

/**
 * Transformers chained into a final estimator, as scikit-learn's `Pipeline`: `fit` fits
 * each transformer on the previous one's output, then the estimator; `predict`,
 * `decisionFunction` and `predictProba` transform and pass through. Params are the
 * steps' params under scikit-learn's nested names, e.g. `sgdclassifier__alpha`.
 */
export class Pipeline extends Estimator<Params> implements HasDecisionFunction, HasPredictProba, SharesFit {
  readonly name = 'Pipeline';
  readonly steps: ReadonlyArray<readonly [string, PipelineStep]>;
  /** The transformers' output for the last input, when they are shared by a group (see fitShared). */
  private transformed?: TransformMemo;

  /**
   * @param params - nested step params applied on top of the steps' own
   * @throws InvalidParameterError for an empty pipeline, a duplicate or `__`-containing
   *   step name, a non-transformer before the last step, or a bad nested param.
   */
  constructor(options: PipelineOptions, params: Params = {}) {
    super({});
    const steps = options.steps;
    if (steps.length === 0) throw new InvalidParameterError('Pipeline: steps must hold at least one step, got []');
    const names = new Set<string>();
    steps.forEach(([name, step], i) => {
      if (names.has(name)) throw new InvalidParameterError(`Pipeline: step names must be unique, got ${JSON.stringify(name)} twice`);
      if (name.includes('__')) throw new InvalidParameterError(`Pipeline: step names must not contain "__", got ${JSON.stringify(name)}`);
      names.add(name);
      if (i < steps.length - 1 && !(step instanceof Transformer)) {
        throw new InvalidParameterError(`Pipeline: every step but the last must be a transformer, got ${step.name} as ${JSON.stringify(name)}`);
      }
      if (i === steps.length - 1 && !(step instanceof Estimator)) {
        throw new InvalidParameterError(`Pipeline: the last step must be an estimator, got ${step.name} as ${JSON.stringify(name)}`);
      }
    });
    this.steps = steps;
    this.setParams(params);
  }

  /**
   * scikit-learn's clone of a Pipeline: its constructor argument is the steps
   * (`get_params(deep=False)`), each cloned unfitted with its params; `params` (nested
   * `<step>__<param>` names) go on top.
   */
  override cloneWith(params?: Params): this {
    const copy = new Pipeline({ steps: this.steps.map(([name, step]) => [name, cloneStep(step)] as const) }, params);
    return copy as this;
  }

  override finalEstimator(): Estimator {
    return this.finalStep().finalEstimator();
  }

  /** `X` through the (fitted) transformers, then through the last step's own, if it is a Pipeline. */
  override async finalInput(X: Matrix): Promise<Matrix> {
    let Xt: Matrix = X;
    for (const [, step] of this.steps.slice(0, -1)) Xt = await (step as Transformer).transform(Xt);
    return this.finalStep().finalInput(Xt);
  }

  /**
   * Pipelines that differ only in the last step's params share the transformers' fit: the
   * key is the transformers' params (null for a pipeline of one step).
   */
  shareKey(_output: OutputMethod): string | null {
    if (this.steps.length < 2) return null;
    const upstream = this.steps.slice(0, -1).map(([name, step]) => [name, step.name, step.getParams()]);
    return `pipeline:${JSON.stringify(upstream)}`;
  }

  /**
   * Fits the transformers of the first pipeline in `group` once; each cell then fits its own
   * last step on their output, and all of them transform a given input only once.
   */
  async fitShared(group: readonly Estimator[], X: Matrix, y: Target): Promise<SharedFit> {
    const pipelines = group.map((p) => {
      if (!(p instanceof Pipeline) || p.steps.length !== this.steps.length) throw new TypeError(`Pipeline.fitShared: every member must be a Pipeline of ${this.steps.length} steps, got ${p.name}`);
      return p;
    });
    const transformers = this.steps.slice(0, -1);
    let Xt: Matrix = X;
    for (const [, step] of transformers) Xt = await (step as Transformer).fitTransform(Xt, y);
    const memo: TransformMemo = { input: X, output: Xt };
    return {
      fitCell: async (i) => {
        const own = pipelines[i];
        const final = own.finalStep();
        await final.fit(Xt, y);
        const shared = new Pipeline({ steps: [...transformers, [own.steps[own.steps.length - 1][0], final] as const] });
        shared.transformed = memo;
        return shared;
      },
    };
  }

  /** Every step's params as `<step>__<param>`. */
  override getParams(): Params {
    const out: Params = {};
    for (const [name, step] of this.steps) {
      for (const [key, value] of Object.entries(step.getParams())) out[`${name}__${key}`] = value;
    }
    return out;
  }

  /**
   * Routes `<step>__<param>` to that step's `setParams`; all or nothing.
   * @throws InvalidParameterError for a name with no step (naming the steps) or a value
   *   the step rejects (naming the nested parameter and the step's reason).
   */
  override setParams(params: Params): this {
    const byStep = new Map<string, Params>();
    for (const [key, value] of Object.entries(params)) {
      const cut = key.indexOf('__');
      const stepName = cut < 0 ? key : key.slice(0, cut);
      if (cut < 0 || !this.steps.some(([name]) => name === stepName)) {
        const names = this.steps.map(([name]) => JSON.stringify(name)).join(', ');
        throw new InvalidParameterError(`Pipeline: parameter ${JSON.stringify(key)} must be <step>__<param> with a step among ${names}`);
      }
      byStep.set(stepName, { ...byStep.get(stepName), [key.slice(cut + 2)]: value });
    }
    // Every step's share is validated before any is applied, so a rejected call changes nothing.
    for (const [name, step] of this.steps) {
      const stepParams = byStep.get(name);
      if (!stepParams) continue;
      try {
        cloneStep(step, { ...step.getParams(), ...stepParams });
      } catch (error) {
        if (!(error instanceof InvalidParameterError)) throw error;
        const keys = Object.keys(stepParams).map((key) => `${name}__${key}`).join(', ');
        throw new (error.constructor as typeof InvalidParameterError)(`Pipeline: setting ${keys}: ${error.message}`);
      }
    }
    for (const [name, step] of this.steps) {
      const stepParams = byStep.get(name);
      if (stepParams) step.setParams(stepParams as never);
    }
    return this;
  }

  get fitted(): boolean {
    return this.steps.every(([, step]) => step.fitted);
  }

  /** Fits each transformer on the output of the one before, then the final estimator. */
  async fit(X: Matrix, y: Target): Promise<this> {
    let Xt: Matrix = X;
    for (const [, step] of this.steps.slice(0, -1)) Xt = await (step as Transformer).fitTransform(Xt, y);
    await this.finalStep().fit(Xt, y);
    return this;
  }

  async predict(X: Matrix): Promise<Target> {
    return this.finalStep().predict(await this.transformAll(X));
  }

  /** @throws Error when the final estimator has no `decisionFunction`. */
  async decisionFunction(X: Matrix): Promise<Matrix<Float64Array>> {
    const final = this.finalStep() as Estimator & Partial<HasDecisionFunction>;
    if (!final.decisionFunction) throw new Error(`Pipeline: the final step ${final.name} has no decisionFunction`);
    return final.decisionFunction(await this.transformAll(X));
  }

  /** @throws Error when the final estimator has no `predictProba`. */
  async predictProba(X: Matrix): Promise<Matrix<Float64Array>> {
    const final = this.finalStep() as Estimator & Partial<HasPredictProba>;
    if (!final.predictProba) throw new Error(`Pipeline: the final step ${final.name} has no predictProba`);
    return final.predictProba(await this.transformAll(X));
  }

  private finalStep(): Estimator {
    return this.steps[this.steps.length - 1][1] as Estimator;
  }

  private async transformAll(X: Matrix): Promise<Matrix> {
    this.checkFitted();
    if (this.transformed?.input === X) return this.transformed.output;
    let Xt: Matrix = X;
    for (const [, step] of this.steps.slice(0, -1)) Xt = await (step as Transformer).transform(Xt);
    // Pipelines of a shared group hold one memo: the first to score an input transforms it for all.
    if (this.transformed) Object.assign(this.transformed, { input: X, output: Xt });
    return Xt;
  }
}

/** The transformers' output for one input matrix (compared by identity). */
interface TransformMemo {
  input: Matrix;
  output: Matrix;
}

/**
 * scikit-learn's `make_pipeline`: a {@link Pipeline} whose step names are the lowercased
 * class names (`standardscaler`, `sgdclassifier`), with `-1`, `-2`... on repeats.
 */
export function makePipeline(...steps: PipelineStep[]): Pipeline {
  const names = steps.map((step) => step.name.toLowerCase());
  const repeated = new Set(names.filter((name, i) => names.indexOf(name) !== i));
  const seen = new Map<string, number>();
  const named = steps.map((step, i) => {
    const base = names[i];
    if (!repeated.has(base)) return [base, step] as const;
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    return [`${base}-${k}`, step] as const;
  });
  return new Pipeline({ steps: named });
}

function cloneStep(step: PipelineStep, params?: Params): PipelineStep {
  return step instanceof Transformer ? cloneTransformer(step, params) : clone(step, params);
}
