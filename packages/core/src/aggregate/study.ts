import type { Params } from '../estimators/base.js';
import type { TaskResult } from '../evaluate/task-result.js';
import type { Plan, Task } from '../plan/plan.js';
import { CandidateList } from '../search/candidate-list.js';
import type { PrunerTrial } from '../search/pruners.js';
import type { TpeTrial } from '../search/tpe/observations.js';
import { aggregateResults, compareFolds, type FoldLabel, type LearningCurve, type SearchSummary } from './aggregate.js';

/** How a trial of a study stands. */
export type TrialState = 'running' | 'complete' | 'pruned' | 'failed';

/** A trial as a study records it (in Redis, or in one process). */
export interface TrialRecord {
  number: number;
  params: Params;
  state: TrialState;
  /** complete: the mean score over its folds. */
  value?: number;
  /**
   * pruned: the step and value of the report the pruner stopped it at, and whose report it was:
   * a fold's, or `'mean'` for a trial whose folds train in lockstep (its mean across folds).
   */
  pruned?: { fold: FoldLabel; step: number; value: number };
}

/** A trial's reports on one fold (or their mean across folds), [step, value] in step order. */
export type FoldCurve = ReadonlyArray<readonly [number, number]>;

/** A trial as a pruner judging one fold sees it: its reports on that fold and its rungs there. */
export function prunerView(trial: Pick<TrialRecord, 'number' | 'state'>, curve: FoldCurve, rungs: readonly number[]): PrunerTrial {
  return { number: trial.number, state: trial.state, values: new Map(curve), lastStep: curve.at(-1)?.[0], rungs };
}

/** An ended trial as the sampler learns from it: a pruned one by the reports it was stopped on (a fold's, or the mean across folds). */
export function samplerTrial(trial: TrialRecord, curveOf: (fold: FoldLabel) => FoldCurve): TpeTrial {
  if (trial.state === 'complete') return { params: trial.params, state: 'complete', value: trial.value };
  if (trial.state === 'pruned') return { params: trial.params, state: 'pruned', intermediate: curveOf(trial.pruned!.fold).map(([s, v]): [number, number] => [s, v]) };
  return { params: trial.params, state: 'failed' };
}

/** The task of fold `fold` of trial `number`: trials are rows (cells) of cv_results, in trial order. */
export function trialTask(number: number, fold: number, nSplits: number): Task {
  return { index: number * nSplits + fold, fold, cells: [number] };
}

/**
 * A study's cv_results: one row per trial (in trial order) from its folds' task results, as
 * GridSearchCV's layout; a trial that did not score every fold (pruned, failed, running) has no
 * mean and ranks last. `trial_state`, `pruned_step` and `pruned_value` say how each ended. The
 * best is the best complete trial, once no trial runs.
 */
export function studySummary(plan: Pick<Plan, 'cv'>, trials: readonly TrialRecord[], results: readonly TaskResult[], curves: LearningCurve[] = []): SearchSummary {
  if (!plan.cv) throw new Error('a study needs cross-validation');
  const nSplits = plan.cv.n_splits;
  const ordered = [...trials].sort((a, b) => a.number - b.number);
  const params = ordered.map((t) => t.params);
  const row = new Map(ordered.map((t, i) => [t.number, i]));
  // Task results name trials by number; rows are positions among the trials recorded.
  const rows = results.flatMap((r) => {
    const i = row.get(r.cells[0]?.cell ?? -1);
    return i === undefined ? [] : [{ ...r, cells: r.cells.map((c) => ({ ...c, cell: i })) }];
  });
  const tasks: Task[] = rows.map((r) => ({ index: r.task, fold: r.fold, cells: [r.cells[0].cell] }));
  // A running trial's folds are still to come: the best is not known until it ends.
  for (const [i, t] of ordered.entries()) if (t.state === 'running') for (let f = 0; f < nSplits; f++) tasks.push({ index: -1 - (i * nSplits + f), fold: f, cells: [i] });
  const summary = aggregateResults({ grid: new CandidateList(params), cv: plan.cv, tasks }, rows);
  const complete = ordered.map((t) => t.state === 'complete');
  // Only complete trials can be best (a failed fold already leaves its trial without a mean).
  if (summary.best_index !== null && !complete[summary.best_index]) {
    const means = summary.cv_results.mean_test_score;
    let best: number | null = null;
    means.forEach((m, i) => complete[i] && m !== null && (best === null || m > means[best]!) && (best = i));
    summary.best_index = best;
    summary.best_params = best === null ? null : params[best];
    summary.best_score = best === null ? null : means[best];
  }
  summary.cv_results.trial_state = ordered.map((t) => t.state);
  summary.cv_results.pruned_step = ordered.map((t) => t.pruned?.step ?? null);
  summary.cv_results.pruned_value = ordered.map((t) => t.pruned?.value ?? null);
  const own = curves.flatMap((c) => (row.has(c.cell) ? [{ ...c, cell: row.get(c.cell)! }] : [])).sort((a, b) => a.cell - b.cell || compareFolds(a.fold, b.fold));
  if (own.length) summary.curves = own;
  else delete summary.curves;
  return summary;
}

/** How a study stands: trials ended (complete + pruned + failed) and how, trials running, the best complete trial's mean score so far. */
export interface StudyCounts {
  ended: number;
  complete: number;
  pruned: number;
  failed: number;
  running: number;
  /** The best mean test score among complete trials; null before one completes. */
  best: number | null;
}

/** A study's counts from its (partial) cv_results; null when the cv_results are not a study's (no `trial_state`). */
export function studyCounts(cv: Pick<SearchSummary['cv_results'], 'trial_state' | 'mean_test_score'> | null | undefined): StudyCounts | null {
  const states = cv?.trial_state;
  if (!cv || !states) return null;
  const c: StudyCounts = { ended: 0, complete: 0, pruned: 0, failed: 0, running: 0, best: null };
  states.forEach((s, i) => {
    if (s === 'running') return void c.running++;
    c.ended++;
    if (s === 'pruned') c.pruned++;
    else if (s === 'failed') c.failed++;
    else if (s === 'complete') {
      c.complete++;
      const m = cv.mean_test_score[i];
      if (m !== null && m !== undefined && (c.best === null || m > c.best)) c.best = m;
    }
  });
  return c;
}
