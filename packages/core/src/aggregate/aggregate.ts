import type { Params, ParamValue } from '../estimators/base.js';
import { numpyMean } from '../metrics/numpy-sum.js';
import type { TaskResult } from '../evaluate/task-result.js';
import type { Plan } from '../plan/plan.js';

/**
 * scikit-learn's `cv_results_` as JSON: one entry per grid cell in every array; times in
 * seconds; NaN (failed or not yet run) as null. `split<k>_test_score` keys are added per fold.
 */
export interface CvResults {
  params: Params[];
  mean_test_score: Array<number | null>;
  std_test_score: Array<number | null>;
  rank_test_score: number[];
  mean_fit_time: Array<number | null>;
  std_fit_time: Array<number | null>;
  mean_score_time: Array<number | null>;
  std_score_time: Array<number | null>;
  /** A study (search.kind "tpe"): how each trial (row, in trial order) ended: "complete", "pruned" or "failed". */
  trial_state?: string[];
  /** A study: the step of the report a pruned trial was stopped at, and its value (null for the others). */
  pruned_step?: Array<number | null>;
  pruned_value?: Array<number | null>;
  /** Successive halving: the round of each row and its training rows. */
  iter?: number[];
  n_resources?: number[];
  [key: `split${number}_test_${string}` | `mean_test_${string}` | `std_test_${string}` | `param_${string}`]: Array<number | null> | Array<ParamValue | null>;
}

/**
 * Which reports a curve holds: a fold's (0, 1, ...), or `'mean'`, the mean across the folds of
 * a study trial whose folds train in lockstep (evaluate/fold-lockstep.ts), which the pruner judged.
 */
export type FoldLabel = number | 'mean';

/** Orders fold labels: folds by number, the mean last. */
export function compareFolds(a: FoldLabel, b: FoldLabel): number {
  return (a === 'mean' ? Infinity : a) - (b === 'mean' ? Infinity : b) || 0;
}

/** One cell's reports on one fold (or their mean across folds): a learning curve. */
export interface LearningCurve {
  cell: number;
  fold: FoldLabel;
  steps: number[];
  values: number[];
}

/** cv_results plus the best cell, as GridSearchCV reports them. */
export interface SearchSummary {
  cv_results: CvResults;
  /** null until every task has reported (partial results while a sweep runs). */
  best_index: number | null;
  best_params: Params | null;
  best_score: number | null;
  /** Tasks that reported, out of `tasks_total`. */
  tasks_done: number;
  tasks_total: number;
  /** Cells that failed, with the fold and the reason. */
  errors: Array<{ cell: number; fold: number; error: string }>;
  /** (fold, cell) results reused from the task cache, of all reported. */
  cache: { reused: number; total: number };
  /** Compute backends the cells' fits reported (MLPClassifier: TensorFlow.js's), sorted; absent when none did. */
  backends?: string[];
  /** Objectives' intermediate reports per (cell, fold), cells in order; absent when none reported. */
  curves?: LearningCurve[];
}

/**
 * Folds task results into cv_results the way GridSearchCV's `_format_results` does: means
 * and population standard deviations over folds (numpy's summation order), ranks by
 * descending mean with failed (NaN) cells tied last, best = first cell of rank 1.
 * Missing tasks leave nulls; a task reported twice counts once.
 */
export function aggregateResults(plan: Pick<Plan, 'grid' | 'cv' | 'tasks'>, results: Iterable<TaskResult>): SearchSummary {
  const nCells = plan.grid.size;
  const nSplits = plan.cv?.n_splits ?? 0;
  const scores = Array.from({ length: nSplits }, () => new Array<number | null | undefined>(nCells).fill(undefined));
  const fit = Array.from({ length: nCells }, () => new Array<number | undefined>(nSplits).fill(undefined));
  const scoreTime = Array.from({ length: nCells }, () => new Array<number | undefined>(nSplits).fill(undefined));
  const seen = new Set<number>();
  const errors: SearchSummary['errors'] = [];
  const cache = { reused: 0, total: 0 };
  const backends = new Set<string>();
  // An objective's named metrics, by name: one array of per-cell values per fold, as the scores.
  const extra = new Map<string, Array<Array<number | undefined>>>();
  const curves: LearningCurve[] = [];
  for (const r of results) {
    if (seen.has(r.task)) continue;
    seen.add(r.task);
    for (const c of r.cells) {
      scores[r.fold][c.cell] = c.test_score ?? NaN;
      fit[c.cell][r.fold] = c.fit_ms / 1000;
      scoreTime[c.cell][r.fold] = c.score_ms / 1000;
      if (c.error) errors.push({ cell: c.cell, fold: r.fold, error: c.error });
      cache.total++;
      if (c.cached) cache.reused++;
      if (c.backend) backends.add(c.backend);
      for (const [name, value] of Object.entries(c.metrics ?? {})) {
        if (!extra.has(name)) extra.set(name, Array.from({ length: nSplits }, () => new Array<number | undefined>(nCells).fill(undefined)));
        extra.get(name)![r.fold][c.cell] = value;
      }
      if (c.curve?.length) curves.push({ cell: c.cell, fold: r.fold, steps: c.curve.map((p) => p[0]), values: c.curve.map((p) => p[1]) });
    }
  }
  const complete = (cell: number) => scores.every((s) => s[cell] !== undefined);
  const means = Array.from({ length: nCells }, (_, c) => (complete(c) ? numpyMean(scores.map((s) => (s[c] ?? NaN) as number)) : NaN));
  const stds = Array.from({ length: nCells }, (_, c) => (complete(c) ? numpyStd(scores.map((s) => (s[c] ?? NaN) as number)) : NaN));
  const ranks = rankMin(means);
  const timeStats = (t: Array<number | undefined>[], f: (a: number[]) => number) =>
    t.map((row) => (row.every((v) => v !== undefined) ? nanToNull(f(row as number[])) : null));

  const params = Array.from(plan.grid);
  const cv: CvResults = {
    params,
    mean_test_score: means.map(nanToNull),
    std_test_score: stds.map(nanToNull),
    rank_test_score: ranks,
    mean_fit_time: timeStats(fit, numpyMean),
    std_fit_time: timeStats(fit, numpyStd),
    mean_score_time: timeStats(scoreTime, numpyMean),
    std_score_time: timeStats(scoreTime, numpyStd),
  };
  for (const name of plan.grid.paramNames) cv[`param_${name}`] = params.map((p) => (name in p ? p[name] : null));
  scores.forEach((s, k) => (cv[`split${k}_test_score`] = s.map((v) => (v === undefined || v === null ? null : nanToNull(v)))));
  // scikit-learn's multi-metric layout for an objective's other metrics: a cell without the metric on every fold has none.
  for (const [name, folds] of [...extra].sort(([a], [b]) => a.localeCompare(b))) {
    const full = (c: number) => folds.every((f) => f[c] !== undefined);
    cv[`mean_test_${name}`] = Array.from({ length: nCells }, (_, c) => (full(c) ? nanToNull(numpyMean(folds.map((f) => f[c]!))) : null));
    cv[`std_test_${name}`] = Array.from({ length: nCells }, (_, c) => (full(c) ? nanToNull(numpyStd(folds.map((f) => f[c]!))) : null));
    folds.forEach((f, k) => (cv[`split${k}_test_${name}`] = f.map((v) => v ?? null)));
  }

  const done = seen.size === plan.tasks.length && plan.tasks.length > 0;
  const best = done && means.some((m) => !Number.isNaN(m)) ? ranks.indexOf(1) : null;
  return {
    cv_results: cv,
    best_index: best,
    best_params: best === null ? null : params[best],
    best_score: best === null ? null : means[best],
    tasks_done: seen.size,
    tasks_total: plan.tasks.length,
    errors,
    cache,
    ...(backends.size > 0 && { backends: [...backends].sort() }),
    ...(curves.length > 0 && { curves: curves.sort((a, b) => a.cell - b.cell || compareFolds(a.fold, b.fold)) }),
  };
}

/** `np.std` (population): sqrt of the mean squared deviation. */
function numpyStd(a: number[]): number {
  const m = numpyMean(a);
  return Math.sqrt(numpyMean(a.map((v) => (v - m) ** 2)));
}

/** scipy's rankdata(-means, 'min') with NaN tied below the worst, as scikit-learn 1.2 does. */
function rankMin(means: number[]): number[] {
  if (means.every(Number.isNaN)) return means.map(() => 1);
  let floor = Infinity;
  for (const m of means) if (m < floor) floor = m;
  floor -= 1;
  const vals = means.map((m) => (Number.isNaN(m) ? floor : m));
  // 1 + how many are greater: by one sort, not a scan per cell (a 20,000-cell sweep took seconds
  // to rank); ties share the rank of their first position in descending order.
  const order = vals.map((_, i) => i).sort((a, b) => vals[b] - vals[a]);
  const ranks = new Array<number>(vals.length);
  order.forEach((i, k) => (ranks[i] = k > 0 && vals[order[k - 1]] === vals[i] ? ranks[order[k - 1]] : k + 1));
  return ranks;
}

function nanToNull(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}
