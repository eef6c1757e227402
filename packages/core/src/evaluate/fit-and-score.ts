import type { Dataset } from '../datasets/load.js';
import type { Matrix } from '../matrix.js';
import { sharesFit, type Estimator, type Params, type SharedFit } from '../estimators/base.js';
import { buildEstimator } from '../estimators/registry.js';
import { SCORERS, score, type Scorer } from '../metrics/scorers.js';
import type { Plan, Task } from '../plan/plan.js';
import { foldData, type FoldData } from '../splitters/fold-data.js';
import { isObjective, TrialPruned } from '../plugins/objective.js';
import { outOfFold } from './out-of-fold.js';
import type { CellResult, OofOutputs, TaskResult } from './task-result.js';

/** Options for {@link fitAndScore}. */
export interface FitAndScoreOptions {
  /** Called with a fraction in [0, 1] as cells finish, and as epochs finish for estimators that train in epochs. */
  onProgress?: (fraction: number) => void;
  /** Aborted when the work should stop (cancel, time limit); objectives get it as `ctx.signal`. */
  signal?: AbortSignal;
  /**
   * Told of each intermediate report of a cell (an objective's `ctx.report`); throwing
   * `TrialPruned` stops that cell there, and fitAndScore rethrows it (a pruned trial is not a
   * failed cell). A built-in that trains in steps awaits what it returns before its next step
   * (so a study can hold a fold until its other folds reach the same step, fold-lockstep.ts);
   * an objective's synchronous `ctx.report` does not.
   */
  onReport?: (cell: number, step: number, value: number) => void | Promise<void>;
}

/** What fitAndScore reads from, or sets on, the estimator doing the fitting, when it has it. */
interface FitHooks {
  /** Called after each epoch (MLPClassifier). */
  onEpoch?: (epoch: number, maxEpochs: number) => void;
  /**
   * Called after each step of training with the estimator as it is then (MLPClassifier: each
   * epoch; RandomForestClassifier: each block of trees, the step being the trees grown): set only
   * when reports are asked for.
   */
  onStepModel?: (epoch: number, model: Estimator) => Promise<void>;
  /** The compute backend of the last fit (MLPClassifier: "tensorflow", "wasm" or "cpu"). */
  backend?: string;
}

/**
 * Fits and scores one task: rebuilds the fold (nothing but indices travel), fits each cell
 * (or, for a group of cells that share a fit, the shared step once; a batch's cells one by
 * one) and scores it. A failing cell is a recorded result per the plan's error_score, unless
 * that is "raise".
 */
export async function fitAndScore(plan: Plan, dataset: Dataset, task: Task, options: FitAndScoreOptions = {}): Promise<TaskResult> {
  const started = performance.now();
  if (!plan.cv) throw new Error('fitAndScore needs a plan with cross-validation');
  const fold = foldData(dataset, plan.cv, task.fold);
  const cellParams = task.cells.map((c) => plan.grid.at(c));
  if (task.cells.length > 1 && !task.batch) {
    const cells = await scoreGroup(plan, cellParams, task.cells, fold, task.fold);
    return { task: task.index, fold: task.fold, cells, ms: performance.now() - started };
  }
  const cells: CellResult[] = [];
  let oof: OofOutputs | undefined;
  for (const [i, cell] of task.cells.entries()) {
    const onFit = options.onProgress && ((f: number) => options.onProgress!((i + f) / task.cells.length));
    const onReport = options.onReport && ((step: number, value: number) => options.onReport!(cell, step, value));
    const outcome = await scoreCell(plan, cellParams[i], cell, fold, task.fold, onFit, options.signal, onReport);
    cells.push(outcome.result);
    oof ??= outcome.oof;
    options.onProgress?.((i + 1) / task.cells.length);
  }
  return { task: task.index, fold: task.fold, cells, oof, ms: performance.now() - started };
}

/** Fits and scores one cell; with the plan's `oof`, the same fitted estimator also gives the out-of-fold outputs. */
async function scoreCell(
  plan: Plan,
  params: Params,
  cell: number,
  fold: FoldData,
  foldIndex: number,
  onFit?: (fraction: number) => void,
  signal?: AbortSignal,
  onReport?: (step: number, value: number) => void | Promise<void>,
): Promise<{ result: CellResult; oof?: OofOutputs }> {
  const scorer = SCORERS[plan.scoring];
  const { train, test } = fold;
  let fitMs = 0;
  const t0 = performance.now();
  try {
    const est = buildEstimator(plan.estimator, params);
    if (isObjective(est)) {
      // An objective trains and scores in one call: its time is the fit's.
      const { score: s, metrics, curve } = await est.evaluate({ train: { X: train.X, y: train.y }, validation: { X: test.X, y: test.y }, fold: foldIndex }, signal, onReport && ((step, value) => void onReport(step, value)));
      return { result: { cell, test_score: s, fit_ms: performance.now() - t0, score_ms: 0, ...(metrics && { metrics }), ...(curve && { curve }) } };
    }
    const final: Estimator & FitHooks = est.finalEstimator();
    if (onFit && 'onEpoch' in final) final.onEpoch = (epoch, maxEpochs) => onFit(epoch / maxEpochs);
    // A study asks for reports: an estimator that trains in epochs scores each epoch on the fold's
    // validation rows. As a Pipeline's last step, it scores them as the transformers (fitted
    // before it starts) leave them, transformed once.
    const curve: Array<[number, number]> = [];
    if (onReport && 'onStepModel' in final) {
      let finalTest: Matrix | undefined;
      final.onStepModel = async (epoch, model) => {
        finalTest ??= await est.finalInput(test.X);
        const value = await score(scorer, model, finalTest, test.y);
        curve.push([epoch, value]);
        await onReport(epoch, value);
      };
    }
    await est.fit(train.X, train.y);
    fitMs = performance.now() - t0;
    const t1 = performance.now();
    // When the out-of-fold outputs include predictions, the score is computed from the same ones.
    const predictions = plan.oof && scorer.needs === 'predict' && plan.oof.methods.includes('predict') ? await est.predict(test.X) : undefined;
    const s = predictions ? scorer.fromOutput(test.y, predictions) : await score(scorer, est, test.X, test.y);
    checkScore(est.name, plan, s);
    const backend = fittedBackend(est);
    const result = { cell, test_score: s, fit_ms: fitMs, score_ms: performance.now() - t1, ...(backend && { backend }), ...(curve.length > 0 && { curve }) };
    return { result, oof: plan.oof ? await outOfFold(plan.oof, est, test.X, test.indices, predictions) : undefined };
  } catch (err) {
    if (err instanceof TrialPruned) throw err;
    return { result: failed(plan, cell, err, fitMs || performance.now() - t0) };
  }
}

/**
 * A group of cells that share a fit (see SharesFit): the shared step once, then each cell's
 * own part and its score. The shared step's time and the scoring time are apportioned equally
 * over the cells (the first cell's scoring may do a search that serves them all).
 */
async function scoreGroup(plan: Plan, paramsList: Params[], cells: number[], fold: FoldData, foldIndex: number): Promise<CellResult[]> {
  const scorer: Scorer = SCORERS[plan.scoring];
  const { test } = fold;
  const started = await startSharedFit(plan, paramsList, fold);
  if (!started) {
    const out: CellResult[] = [];
    for (const [i, cell] of cells.entries()) out.push((await scoreCell(plan, paramsList[i], cell, fold, foldIndex)).result);
    return out;
  }
  const { shared, sharedMs } = started;
  const outcomes: Array<{ fitMs: number; score?: number; error?: unknown }> = [];
  let scoringMs = 0;
  for (let i = 0; i < cells.length; i++) {
    const t1 = performance.now();
    let fitMs = sharedMs;
    try {
      const est = await shared.fitCell(i);
      fitMs += performance.now() - t1;
      const t2 = performance.now();
      const s = await score(scorer, est, test.X, test.y);
      scoringMs += performance.now() - t2;
      checkScore(est.name, plan, s);
      outcomes.push({ fitMs, score: s });
    } catch (err) {
      outcomes.push({ fitMs: fitMs + (performance.now() - t1), error: err });
    }
  }
  const scoreMs = scoringMs / cells.length;
  return cells.map((cell, i) => {
    const o = outcomes[i];
    return o.error === undefined ? { cell, test_score: o.score!, fit_ms: o.fitMs, score_ms: scoreMs } : failed(plan, cell, o.error, o.fitMs);
  });
}

/**
 * The shared step of a group of cells that share a fit (SharesFit.fitShared) on the fold's
 * training rows, and its time per cell. Null when it failed and error_score is not "raise": one
 * bad cell must not sink its group, so the caller then runs the cells one by one to find which fail.
 */
export async function startSharedFit(plan: Plan, paramsList: Params[], fold: FoldData): Promise<{ shared: SharedFit; sharedMs: number } | null> {
  const t0 = performance.now();
  try {
    const group = paramsList.map((p) => buildEstimator(plan.estimator, p));
    const first = group[0];
    if (!sharesFit(first)) throw new TypeError(`${first.name} does not share fits, but task has ${paramsList.length} cells`);
    const shared = await first.fitShared(group, fold.train.X, fold.train.y);
    return { shared, sharedMs: (performance.now() - t0) / paramsList.length };
  } catch (err) {
    if (plan.errorScore === 'raise') throw err;
    return null;
  }
}

/** A score that is not a number (a user's estimator predicting garbage) fails its cell, saying so; `name` is the estimator's. */
export function checkScore(name: string, plan: Pick<Plan, 'scoring'>, s: unknown): void {
  if (typeof s !== 'number' || Number.isNaN(s)) throw new Error(`${name}: the ${plan.scoring} score is ${String(s)}, not a number`);
}

/** The compute backend a fitted estimator (or its Pipeline's last step) reports, if any. */
export function fittedBackend(est: Estimator): string | undefined {
  const backend = (est.finalEstimator() as Estimator & FitHooks).backend;
  return typeof backend === 'string' ? backend : undefined;
}

/** A failed cell's result per the plan's error_score (rethrows with "raise"). */
export function failed(plan: Plan, cell: number, err: unknown, fitMs: number): CellResult {
  if (plan.errorScore === 'raise') throw err;
  const message = err instanceof Error ? err.message : String(err);
  return { cell, test_score: plan.errorScore, fit_ms: fitMs, score_ms: 0, error: message };
}
