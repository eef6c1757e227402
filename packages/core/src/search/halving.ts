import { headSplit, type Dataset } from '../datasets/load.js';
import type { Params } from '../estimators/base.js';
import { Matrix } from '../matrix.js';
import type { ExperimentSpec } from '../spec/schema.js';
import { aggregateResults, type SearchSummary } from './aggregate.js';
import type { TaskResult } from './fit-and-score.js';
import type { Candidates } from './parameter-grid.js';
import { cvRows, planCandidates, type Plan, type ResolvedCv } from './plan.js';

type HalvingSearch = Extract<ExperimentSpec['search'], { kind: 'halving' }>;

/** The resources of a successive-halving search, as HalvingGridSearchCV computes them up front. */
export interface HalvingSchedule {
  /** Training rows available (the CV subset): scikit-learn's max_resources_. */
  max_resources: number;
  min_resources: number;
  n_iterations: number;
  n_required_iterations: number;
  n_possible_iterations: number;
  /** Training rows per round. */
  resources: number[];
}

/** One round: which candidates, on how many rows, and where its task indices start. */
export interface HalvingRound {
  iter: number;
  n_resources: number;
  candidates: Params[];
  task_offset: number;
}

/** A fixed list of candidates (one halving round's survivors). */
export class CandidateList implements Candidates {
  constructor(private readonly list: Params[]) {}
  get size(): number {
    return this.list.length;
  }
  at(i: number): Params {
    if (!Number.isInteger(i) || i < 0 || i >= this.list.length) throw new RangeError(`candidate must be an integer in [0, ${this.list.length - 1}], got ${i}`);
    return structuredClone(this.list[i]);
  }
  get paramNames(): string[] {
    return [...new Set(this.list.flatMap((p) => Object.keys(p)))].sort();
  }
  *[Symbol.iterator](): IterableIterator<Params> {
    for (let i = 0; i < this.list.length; i++) yield this.at(i);
  }
}

function halving(spec: ExperimentSpec): HalvingSearch {
  if (spec.search.kind !== 'halving') throw new Error('not a halving search');
  return spec.search;
}

/**
 * HalvingGridSearchCV's schedule with training samples as the resource: min_resources
 * "smallest" = 2 x n_splits x n_classes; "exhaust" raises it so the last round uses as many
 * rows as possible; rounds = min(possible, required) unless aggressive_elimination.
 */
export function halvingSchedule(spec: ExperimentSpec, dataset: Dataset, cv: ResolvedCv, nCandidates: number): HalvingSchedule {
  const h = halving(spec);
  const maxResources = cvRows(dataset, cv);
  const y = headSplit(dataset.train, maxResources).y;
  let minResources: number;
  if (typeof h.min_resources === 'number') minResources = h.min_resources;
  else {
    const nClasses = y instanceof Matrix ? 1 : new Set(y).size;
    minResources = cv.n_splits * 2 * nClasses;
  }
  const log = (x: number) => Math.log(x) / Math.log(h.factor);
  const required = 1 + Math.floor(log(nCandidates));
  if (h.min_resources === 'exhaust') minResources = Math.max(minResources, Math.floor(maxResources / h.factor ** (required - 1)));
  if (minResources > maxResources) throw new RangeError(`search.min_resources (${minResources}) is more than the ${maxResources} training rows available`);
  const possible = 1 + Math.floor(log(Math.floor(maxResources / minResources)));
  const iterations = h.aggressive_elimination ? required : Math.min(possible, required);
  const resources = Array.from({ length: iterations }, (_, itr) => {
    const power = h.aggressive_elimination ? Math.max(0, itr - required + possible) : itr;
    return Math.min(Math.trunc(h.factor ** power * minResources), maxResources);
  });
  return { max_resources: maxResources, min_resources: minResources, n_iterations: iterations, n_required_iterations: required, n_possible_iterations: possible, resources };
}

/** The plan of one round: its candidates x the folds, each fold subsampled to n_resources rows. */
export function roundPlan(spec: ExperimentSpec, cv: ResolvedCv, round: HalvingRound, maxResources: number): Plan {
  const roundCv: ResolvedCv = { ...cv, resample: { n_resources: round.n_resources, n_samples: maxResources, random_state: halving(spec).random_state } };
  return planCandidates(spec, new CandidateList(round.candidates), roundCv, round.task_offset, round.iter);
}

/**
 * scikit-learn's `_top_k`: the round's candidates sorted by mean test score ascending (NaN
 * first), the last ceil(n / factor) kept, in that order.
 */
export function survivors(spec: ExperimentSpec, round: HalvingRound, summary: SearchSummary): Params[] {
  const keep = Math.ceil(round.candidates.length / halving(spec).factor);
  const scores = summary.cv_results.mean_test_score.map((s) => (s === null ? NaN : s));
  const order = scores.map((_, i) => i).sort((a, b) => {
    const [x, y] = [scores[a], scores[b]];
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : -1) : 1;
    return x - y;
  });
  return order.slice(order.length - keep).map((i) => round.candidates[i]);
}

/**
 * All rounds as one cv_results (rows round after round, with `iter` and `n_resources`
 * columns; ranks over all rows) and the best cell as HalvingGridSearchCV picks it: the
 * highest mean score of the last round.
 */
export function combineRounds(spec: ExperimentSpec, cv: ResolvedCv, rounds: Array<{ round: HalvingRound; results: TaskResult[] }>): SearchSummary {
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
  const plan: Plan = { grid: new CandidateList(all), cv, tasks: shifted.map((r) => ({ index: r.task, fold: r.fold, cells: r.cells.map((c) => c.cell) })) };
  const summary = aggregateResults(plan, shifted);
  summary.cv_results.iter = iters;
  summary.cv_results.n_resources = resources;
  const lastIter = Math.max(...iters);
  const last = iters.map((it, i) => (it === lastIter ? i : -1)).filter((i) => i >= 0);
  const means = summary.cv_results.mean_test_score;
  const finite = last.filter((i) => means[i] !== null);
  const best = finite.length ? finite.reduce((b, i) => ((means[i] as number) > (means[b] as number) ? i : b), finite[0]) : last[0];
  return { ...summary, best_index: best, best_params: all[best], best_score: means[best] ?? null };
}

/** The first round: every candidate, on the schedule's smallest resource. */
export function firstRound(schedule: HalvingSchedule, grid: Candidates): HalvingRound {
  return { iter: 0, n_resources: schedule.resources[0], candidates: Array.from(grid), task_offset: 0 };
}

/** The round after `round`, or null when `round` was the last. */
export function nextRound(spec: ExperimentSpec, schedule: HalvingSchedule, round: HalvingRound, plan: Plan, summary: SearchSummary): HalvingRound | null {
  if (round.iter + 1 >= schedule.n_iterations) return null;
  return { iter: round.iter + 1, n_resources: schedule.resources[round.iter + 1], candidates: survivors(spec, round, summary), task_offset: round.task_offset + plan.tasks.length };
}

/** A whole successive-halving search in this process, `runTask` fitting each task. */
export async function runHalving(
  spec: ExperimentSpec,
  dataset: Dataset,
  cv: ResolvedCv,
  grid: Candidates,
  runTask: (plan: Plan, task: Plan['tasks'][number]) => Promise<TaskResult>,
): Promise<{ summary: SearchSummary; results: TaskResult[] }> {
  const schedule = halvingSchedule(spec, dataset, cv, grid.size);
  const rounds: Array<{ round: HalvingRound; results: TaskResult[] }> = [];
  let round: HalvingRound | null = firstRound(schedule, grid);
  while (round) {
    const plan = roundPlan(spec, cv, round, schedule.max_resources);
    const results: TaskResult[] = [];
    for (const task of plan.tasks) results.push(await runTask(plan, task));
    rounds.push({ round, results });
    round = nextRound(spec, schedule, round, plan, aggregateResults(plan, results));
  }
  return { summary: combineRounds(spec, cv, rounds), results: rounds.flatMap((r) => r.results) };
}
