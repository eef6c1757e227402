import type { Params } from '../estimators/base.js';
import type { TaskResult } from '../evaluate/task-result.js';
import type { HalvingRound } from '../plan/halving-rounds.js';
import type { Plan } from '../plan/plan.js';
import { CandidateList } from '../search/candidate-list.js';
import type { HalvingSchedule } from '../search/halving-schedule.js';
import type { ResolvedCv } from '../splitters/fold-data.js';
import { aggregateResults, type SearchSummary } from './aggregate.js';

/**
 * scikit-learn's `_top_k`: the round's candidates sorted by mean test score ascending (NaN
 * first), the last ceil(n / factor) kept, in that order.
 */
export function survivors(factor: number, round: HalvingRound, summary: SearchSummary): Params[] {
  const keep = Math.ceil(round.candidates.length / factor);
  const scores = summary.cv_results.mean_test_score.map((s) => (s === null ? NaN : s));
  const order = scores.map((_, i) => i).sort((a, b) => {
    const [x, y] = [scores[a], scores[b]];
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : -1) : 1;
    return x - y;
  });
  return order.slice(order.length - keep).map((i) => round.candidates[i]);
}

/** The round after `round` (its survivors on the next resource), or null when `round` was the last. */
export function nextRound(factor: number, schedule: HalvingSchedule, round: HalvingRound, plan: Pick<Plan, 'tasks'>, summary: SearchSummary): HalvingRound | null {
  if (round.iter + 1 >= schedule.n_iterations) return null;
  return { iter: round.iter + 1, n_resources: schedule.resources[round.iter + 1], candidates: survivors(factor, round, summary), task_offset: round.task_offset + plan.tasks.length };
}

/**
 * All rounds as one cv_results (rows round after round, with `iter` and `n_resources`
 * columns; ranks over all rows) and the best cell as HalvingGridSearchCV picks it: the
 * highest mean score of the last round.
 */
export function combineRounds(cv: ResolvedCv, rounds: Array<{ round: HalvingRound; results: TaskResult[] }>): SearchSummary {
  const all: Params[] = [];
  const shifted: TaskResult[] = [];
  const iters: number[] = [];
  const resources: number[] = [];
  for (const { round, results } of rounds) {
    const offset = all.length;
    all.push(...round.candidates);
    round.candidates.forEach(() => (iters.push(round.iter), resources.push(round.n_resources)));
    for (const r of results) shifted.push({ ...r, cells: r.cells.map((c) => ({ ...c, cell: c.cell + offset })) });
  }
  const tasks = shifted.map((r) => ({ index: r.task, fold: r.fold, cells: r.cells.map((c) => c.cell) }));
  const summary = aggregateResults({ grid: new CandidateList(all), cv, tasks }, shifted);
  summary.cv_results.iter = iters;
  summary.cv_results.n_resources = resources;
  const lastIter = Math.max(...iters);
  const last = iters.map((it, i) => (it === lastIter ? i : -1)).filter((i) => i >= 0);
  const means = summary.cv_results.mean_test_score;
  const finite = last.filter((i) => means[i] !== null);
  const best = finite.length ? finite.reduce((b, i) => ((means[i] as number) > (means[b] as number) ? i : b), finite[0]) : last[0];
  return { ...summary, best_index: best, best_params: all[best], best_score: means[best] ?? null };
}
