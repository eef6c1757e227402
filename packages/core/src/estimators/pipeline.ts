import type { Matrix, Target } from '../matrix.js';
import { clone, Estimator, InvalidParameterError, type HasDecisionFunction, type HasPredictProba, type Params } from './base.js';
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
export class Pipeline extends Estimator<Params> implements HasDecisionFunction, HasPredictProba {
  readonly name = 'Pipeline';
  readonly steps: ReadonlyArray<readonly [string, PipelineStep]>;

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
    // clone(e) rebuilds with new (e.constructor)(e.getParams()); the class alone does not
    // know the steps, so each pipeline's constructor is bound to unfitted copies of its own.
    Object.defineProperty(this, 'constructor', {
      value: function PipelineOfSteps(p: Params) {
        return new Pipeline({ steps: steps.map(([name, step]) => [name, cloneStep(step)] as const) }, p);
      },
    });
    this.setParams(params);
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
    let Xt: Matrix = X;
    for (const [, step] of this.steps.slice(0, -1)) Xt = await (step as Transformer).transform(Xt);
    return Xt;
  }
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
