import type { Params } from '../estimators/base.js';
import { buildEstimator } from '../estimators/registry.js';
import type { TaskResult } from './task-result.js';
import { numpyMean } from '../metrics/numpy-sum.js';
import type { Plan } from '../plan/plan.js';
import { isObjective, TrialPruned } from '../plugins/objective.js';

/**
 * A study trial's folds trained in lockstep (issue 15): every fold of one trial of a built-in
 * that trains in steps (MLPClassifier and SGDClassifier per epoch, RandomForestClassifier per
 * block of trees) advances one step, then the mean of the folds' validation scores at that step
 * is the trial's intermediate value and the pruner judges it, before any fold takes the next
 * step. This is the cross-validated objective an Optuna user writes (train the folds side by
 * side, report the mean), and ASHA then promotes a trial on its cross-validated score rather
 * than on one fold's. An objective's synchronous `ctx.report` cannot wait for other folds, so
 * objectives keep fold-by-fold pruning.
 */

/** Whether trial `params` of `plan` trains its folds in lockstep: a pruned study of a built-in (or Pipeline ending in one) that reports per step. */
export function trainsInLockstep(plan: { pruner: { kind: string }; estimator: Plan['estimator'] }, params: Params): boolean {
  if (plan.pruner.kind === 'none') return false;
  const est = buildEstimator(plan.estimator, params);
  return !isObjective(est) && 'onStepModel' in est.finalEstimator();
}

/** What a trial's folds in lockstep need from their caller. */
export interface LockstepOptions {
  nSplits: number;
  /**
   * Fits and scores fold `fold`, telling `onReport` of its validation score after each step and
   * awaiting what it returns before the next step (fitAndScore's `onReport`). A rejection (a
   * TrialPruned) stops the fold.
   */
  runFold: (fold: number, onReport: (step: number, value: number) => Promise<void>) => Promise<TaskResult>;
  /** Judges the trial on its mean curve so far (the last entry is the step just done); true stops it there. Called once per step, in step order. */
  judge: (mean: Array<[number, number]>) => boolean | Promise<boolean>;
  /** Told after each step, before the judgment, of every fold's reports and the mean (to store them). */
  onStep?: (folds: Array<Array<[number, number]>>, mean: Array<[number, number]>) => void;
}

/** How a trial's folds in lockstep ended. */
export interface LockstepOutcome {
  state: 'complete' | 'pruned' | 'failed';
  /** The results of the folds that ran to their end (complete: every fold's, in fold order; pruned: none; failed: those that ended, failed ones among them). */
  results: TaskResult[];
  /** The mean across folds at each step judged. */
  mean: Array<[number, number]>;
  /** Each fold's own reports. */
  folds: Array<Array<[number, number]>>;
  /** pruned: the step and mean value it was stopped at. */
  pruned?: { step: number; value: number };
}

/** Why a fold was stopped by another fold's failure (it is not a failure of its own). */
class FoldsStopped extends Error {
  constructor(fold: number) {
    super(`stopped: fold ${fold} of the trial failed`);
    this.name = 'FoldsStopped';
  }
}

/**
 * Runs a trial's folds at once, each held after a step until every fold still training has
 * done that step; then judges the mean. A fold that stopped training earlier (its tolerance
 * met) counts with its last score, which is its final model's; a fold taken from a cache counts
 * with the curve its result carries. The trial is pruned when the judge says so (every fold
 * stops there), failed when a fold fails (the others are stopped), complete otherwise.
 * @throws the first fold's error when fitting raises (error_score "raise"), or the judge's error
 */
export async function runFoldsInLockstep(options: LockstepOptions): Promise<LockstepOutcome> {
  const steps = new Steps(options);
  const settled = await Promise.allSettled(
    Array.from({ length: options.nSplits }, (_, fold) =>
      options.runFold(fold, (s, value) => steps.report(fold, s, value)).then(
        (result) => {
          const cell = result.cells[0];
          if (cell.test_score === null || cell.error) steps.halt(new FoldsStopped(fold));
          steps.finish(fold, cell.curve);
          return result;
        },
        (err: unknown) => {
          if (!(err instanceof TrialPruned) && !steps.stopped[fold]) steps.halt(new FoldsStopped(fold));
          steps.finish(fold);
          throw err;
        },
      ),
    ),
  );
  if (steps.fatal) throw steps.fatal;
  const raised = settled.find((s, fold) => s.status === 'rejected' && !steps.stopped[fold] && !(s.reason instanceof TrialPruned));
  if (raised) throw (raised as PromiseRejectedResult).reason;
  const folds = steps.values.map((v) => [...v]);
  if (steps.pruned) return { state: 'pruned', results: [], mean: steps.mean, folds, pruned: steps.pruned };
  const results = settled.flatMap((s, fold) => (s.status === 'fulfilled' && !steps.stopped[fold] ? [s.value] : []));
  const failed = results.length < options.nSplits || results.some((r) => r.cells[0].test_score === null || r.cells[0].error);
  return { state: failed ? 'failed' : 'complete', results, mean: steps.mean, folds };
}

/** The barrier: each fold's reports, the steps folds wait at, and the judgments in order. */
class Steps {
  readonly values: Array<Map<number, number>>;
  /** Folds stopped by a halt (their outcome is not theirs). */
  readonly stopped: boolean[];
  readonly mean: Array<[number, number]> = [];
  pruned?: { step: number; value: number };
  /** The judge's own error: it ends the trial's task. */
  fatal?: unknown;
  private readonly done: boolean[];
  private readonly gates = new Map<number, Gate>();
  private judging = false;
  private halted: Error | null = null;

  constructor(private readonly options: LockstepOptions) {
    this.values = Array.from({ length: options.nSplits }, () => new Map());
    this.stopped = new Array<boolean>(options.nSplits).fill(false);
    this.done = new Array<boolean>(options.nSplits).fill(false);
  }

  report(fold: number, step: number, value: number): Promise<void> {
    if (this.halted) {
      this.stopped[fold] = true;
      return Promise.reject(this.halted);
    }
    this.values[fold].set(step, value);
    const gate: Gate = this.gates.get(step) ?? { waiting: [], holds: [] };
    this.gates.set(step, gate);
    gate.waiting.push(fold);
    const held = new Promise<void>((open, shut) => gate.holds.push({ open, shut }));
    this.advance();
    return held;
  }

  finish(fold: number, curve?: ReadonlyArray<readonly [number, number]>): void {
    this.done[fold] = true;
    for (const [s, v] of curve ?? []) if (!this.values[fold].has(s)) this.values[fold].set(s, v);
    this.advance();
  }

  halt(err: Error): void {
    if (this.halted) return;
    this.halted = err;
    for (const gate of this.gates.values()) {
      for (const fold of gate.waiting) this.stopped[fold] = true;
      for (const h of gate.holds) h.shut(err);
    }
    this.gates.clear();
  }

  /** Judges the lowest step folds wait at, once every fold still training has reached it. */
  private advance(): void {
    if (this.judging || this.halted || this.gates.size === 0) return;
    const step = Math.min(...this.gates.keys());
    const at: number[] = [];
    for (let fold = 0; fold < this.values.length; fold++) {
      const v = this.valueAt(fold, step);
      if (v === 'wait') return;
      if (v !== undefined) at.push(v);
    }
    const value = numpyMean(at);
    this.mean.push([step, value]);
    this.options.onStep?.(this.values.map((v) => [...v].filter(([s]) => s <= step)), [...this.mean]);
    this.judging = true;
    void Promise.resolve()
      .then(() => this.options.judge([...this.mean]))
      .then(
        (prune) => {
          this.judging = false;
          if (this.halted) return;
          if (prune) {
            // Every fold held at this step stops there: the trial is pruned, not failed.
            this.pruned = { step, value };
            this.halt(new TrialPruned(step, value));
            return;
          }
          const gate = this.gates.get(step)!;
          this.gates.delete(step);
          for (const h of gate.holds) h.open();
          this.advance();
        },
        (err: unknown) => {
          this.judging = false;
          this.fatal = err;
          this.halt(err instanceof Error ? err : new Error(String(err)));
        },
      );
  }

  /** Fold `fold`'s score at `step`: its report there; its last before it once it stopped training; 'wait' while it trains towards it. */
  private valueAt(fold: number, step: number): number | undefined | 'wait' {
    const own = this.values[fold].get(step);
    if (own !== undefined) return own;
    if (!this.done[fold]) return 'wait';
    let last: [number, number] | undefined;
    for (const [s, v] of this.values[fold]) if (s < step && (!last || s > last[0])) last = [s, v];
    return last?.[1];
  }
}

/** The folds held after one step, and how to let each go on or stop it. */
type Gate = { waiting: number[]; holds: Array<{ open: () => void; shut: (err: Error) => void }> };
