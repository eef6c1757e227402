import { headSplit, type Dataset } from '../datasets/load.js';
import type { Params } from '../estimators/base.js';
import { Matrix } from '../matrix.js';
import { CandidateList } from '../search/candidate-list.js';
import { halvingSchedule, type HalvingSchedule, type HalvingSettings } from '../search/halving-schedule.js';
import type { Candidates } from '../search/parameter-grid.js';
import { cvRows, type ResolvedCv } from '../splitters/fold-data.js';
import { tasksFor, type Plan } from './plan.js';

/** One round: which candidates, on how many rows, and where its task indices start. */
export interface HalvingRound {
  iter: number;
  n_resources: number;
  candidates: Params[];
  task_offset: number;
}

/** The halving settings of a plan, and its folds. @throws Error for a plan that is not a halving search with cv. */
export function halvingOf(plan: Plan): { settings: HalvingSettings; cv: ResolvedCv } {
  if (plan.search.kind !== 'halving' || !plan.cv) throw new Error(`${plan.name} is not a successive-halving search with cross-validation`);
  return { settings: plan.search, cv: plan.cv };
}

/** The schedule of a halving plan on its data: the CV rows are the resource, classes set the smallest. */
export function scheduleFor(plan: Plan, dataset: Dataset): HalvingSchedule {
  const { settings, cv } = halvingOf(plan);
  const maxResources = cvRows(dataset, cv);
  const y = headSplit(dataset.train, maxResources).y;
  const nClasses = y instanceof Matrix ? 1 : new Set(y).size;
  return halvingSchedule(settings, maxResources, cv.n_splits, nClasses, plan.grid.size);
}

/** The first round: every candidate, on the schedule's smallest resource. */
export function firstRound(schedule: HalvingSchedule, grid: Candidates): HalvingRound {
  return { iter: 0, n_resources: schedule.resources[0], candidates: Array.from(grid), task_offset: 0 };
}

/** The plan of one round: its candidates x the folds, each fold subsampled to n_resources rows. */
export function roundPlan(plan: Plan, round: HalvingRound, maxResources: number): Plan {
  const { settings, cv } = halvingOf(plan);
  const roundCv: ResolvedCv = { ...cv, resample: { n_resources: round.n_resources, n_samples: maxResources, random_state: settings.random_state } };
  const grid = new CandidateList(round.candidates);
  return { ...plan, grid, cv: roundCv, tasks: tasksFor(plan, grid, roundCv, round.task_offset, round.iter) };
}
