import { Estimator, type Params } from '../estimators/base.js';
import type { Matrix, Target } from '../matrix.js';
import { RandomState } from '../random/numpy-random-state.js';

/** Features and target of one split, as an objective sees it. */
export interface ObjectiveSplit {
  X: Matrix;
  y: Target;
}

/** What a user's objective gets besides its params: data, randomness, progress, and when to stop. */
export interface ObjectiveContext {
  /**
   * The rows to train on: the fold's training rows, or, when the spec's `cv` is null and in
   * the refit, the whole training set (the refit's `subset` rows).
   */
  train: ObjectiveSplit;
  /**
   * The rows to score on: the fold's validation rows; in the refit (and with `cv` null) the
   * test split, when the dataset has one.
   */
  validation?: ObjectiveSplit;
  /** The fold (0-based), or null in a run without cross-validation and in the refit. */
  fold: number | null;
  /** This call's seed (uint32), the same on every worker and every retry of this (params, fold). */
  seed: number;
  /** Uniform draws in [0, 1), from {@link seed} (NumPy's legacy MT19937 `random_sample`). */
  random(): number;
  /**
   * Records an intermediate value (a learning curve point: validation accuracy after `step`
   * epochs, say). Steps are integers >= 0 and increase; values finite. Stored with the cell and
   * plotted on the experiment page.
   * @throws RangeError for a step that is not an integer above the last, a value that is not finite, or more than 10,000 reports
   */
  report(step: number, value: number): void;
  /** Aborted when the job is cancelled or out of time: stop soon (the worker kills the process after a grace period). */
  signal: AbortSignal;
}

/** What an objective returns: the score (greater is better), or named metrics among which `score` is the one compared. */
export type ObjectiveValue = number | ({ score: number } & Record<string, number>);

/** A user's objective: trains and evaluates what `params` describe, returns its score. */
export type Objective = (params: Params, ctx: ObjectiveContext) => ObjectiveValue | Promise<ObjectiveValue>;

/**
 * Thrown by `ctx.report` when the study's pruner stops the trial: let it propagate (an
 * objective that catches every error should rethrow this one). The trial is recorded as pruned
 * at that step, with that value.
 */
export class TrialPruned extends Error {
  constructor(
    readonly step: number,
    readonly value: number,
  ) {
    super(`pruned at step ${step} (value ${value})`);
    this.name = 'TrialPruned';
  }
}

/** Most reports one objective call may make. */
export const MAX_REPORTS = 10_000;

/** One objective call's outcome: its score, its other metrics, and its reports. */
export interface ObjectiveOutcome {
  score: number;
  /** Named metrics besides `score`, when the objective returned an object. */
  metrics?: Record<string, number>;
  /** Reports as [step, value] pairs, in step order. */
  curve?: Array<[number, number]>;
}

/**
 * The seed of an objective call: FNV-1a over the params (as JSON, keys sorted) and the fold, so
 * the same call gets the same seed on any worker, in any order, on any retry.
 */
export function objectiveSeed(params: Params, fold: number | null): number {
  const text = JSON.stringify([sortKeys(params), fold]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  return value;
}

/**
 * An objective wrapped as an estimator class, so that specs name it like one (`estimator.name`)
 * and the plan, the task cache and cv_results treat it alike; fitting and scoring call
 * {@link ObjectiveEstimator.evaluate} instead of fit / predict.
 */
export abstract class ObjectiveEstimator extends Estimator {
  /** The user's function. */
  abstract readonly objective: Objective;

  get fitted(): boolean {
    return false;
  }

  async fit(): Promise<this> {
    throw new Error(`${this.name} is an objective: it trains and scores in one call, it has no separate fit`);
  }

  async predict(): Promise<Target> {
    throw new Error(`${this.name} is an objective: it returns a score, not predictions`);
  }

  /**
   * Calls the objective with this estimator's params.
   * @throws Error when it throws, returns no finite score, or reports wrongly.
   */
  async evaluate(
    data: Pick<ObjectiveContext, 'train' | 'validation' | 'fold'>,
    signal: AbortSignal = new AbortController().signal,
    /** Told of each report once it is recorded; throws {@link TrialPruned} to stop the trial there. */
    onReport?: (step: number, value: number) => void,
  ): Promise<ObjectiveOutcome> {
    const params = this.getParams();
    const seed = objectiveSeed(params, data.fold);
    const rng = new RandomState(seed);
    const curve: Array<[number, number]> = [];
    const ctx: ObjectiveContext = {
      ...data,
      seed,
      random: () => rng.randomSample(),
      signal,
      report: (step, value) => {
        if (!Number.isInteger(step) || step < 0) throw new RangeError(`report: step must be an integer >= 0, got ${JSON.stringify(step)}`);
        const last = curve.at(-1);
        if (last && step <= last[0]) throw new RangeError(`report: steps must increase, got ${step} after ${last[0]}`);
        if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`report: value must be a finite number, got ${JSON.stringify(value)} at step ${step}`);
        if (curve.length >= MAX_REPORTS) throw new RangeError(`report: at most ${MAX_REPORTS} reports per call`);
        curve.push([step, value]);
        onReport?.(step, value);
      },
    };
    const value = await this.objective(params, ctx);
    const outcome = readValue(this.name, value);
    return { ...outcome, ...(curve.length > 0 && { curve }) };
  }
}

function readValue(name: string, value: unknown): Omit<ObjectiveOutcome, 'curve'> {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`objective ${name} returned ${value}, not a finite score`);
    return { score: value };
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    const bad = entries.find(([, v]) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad) throw new Error(`objective ${name} returned ${bad[0]}: ${JSON.stringify(bad[1]) ?? String(bad[1])}, not a finite number`);
    if (!('score' in value)) throw new Error(`objective ${name} returned an object without "score" (got ${entries.map(([k]) => k).join(', ') || 'no keys'}); return a number or {score, ...metrics}`);
    const { score, ...metrics } = value as Record<string, number>;
    return { score, ...(Object.keys(metrics).length > 0 && { metrics }) };
  }
  throw new Error(`objective ${name} returned ${value === undefined ? 'undefined' : JSON.stringify(value)}; return a number or {score, ...metrics}`);
}

/** Whether an estimator is a wrapped objective. */
export function isObjective(estimator: Estimator): estimator is ObjectiveEstimator {
  return estimator instanceof ObjectiveEstimator;
}

/** The estimator class of a user's objective exported as `name`: any params, passed through. */
export function objectiveClass(name: string, objective: Objective): new (params: Params) => ObjectiveEstimator {
  return class extends ObjectiveEstimator {
    readonly name = name;
    readonly objective = objective;
    constructor(params: Params = {}) {
      super({ ...params });
    }
  };
}
