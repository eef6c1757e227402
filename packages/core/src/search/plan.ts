import type { Dataset } from '../datasets/load.js';
import { shareKey } from '../estimators/registry.js';
import type { ExperimentSpec } from '../spec/schema.js';
import { ParameterGrid, type Candidates } from './parameter-grid.js';
import { ParameterSampler, type ParamDistributions } from './parameter-sampler.js';
import { SCORERS } from './scorers.js';

/** The fully resolved CV settings of a spec (an int `cv` expanded as scikit-learn does). */
export interface ResolvedCv {
  kind: 'stratified' | 'kfold';
  n_splits: number;
  shuffle: boolean;
  random_state: number | null;
  subset: number | null;
  /**
   * Successive halving's subsample of every fold: `n_resources` of the `n_samples` CV rows,
   * drawn from each fold's train and test indices as scikit-learn's resample(random_state) does.
   */
  resample?: { n_resources: number; n_samples: number; random_state: number };
}

/** One unit of work: one fold x one group of grid cells that share a fit. Small and serialisable. */
export interface Task {
  /** Position in the plan, 0-based; stable for a given spec (unique across halving rounds). */
  index: number;
  /** Successive-halving round this task belongs to. */
  round?: number;
  fold: number;
  /** Grid cell indices (rows of cv_results) this task scores. */
  cells: number[];
}

/** What an experiment will do: its grid, its folds and the tasks that cover them. */
export interface Plan {
  /** The candidates (grid cells or random draws), in cv_results row order. */
  grid: Candidates;
  cv: ResolvedCv | null;
  tasks: Task[];
}

/**
 * scikit-learn's `check_cv`: an int means StratifiedKFold for class-label targets (binary or
 * multiclass) and KFold otherwise (multilabel, multioutput), without shuffling.
 */
export function resolveCv(spec: ExperimentSpec): ResolvedCv | null {
  if (spec.cv === null) return null;
  const labels = (spec.dataset.target?.kind ?? 'multiclass') === 'multiclass' || spec.dataset.target?.kind === 'binary';
  if (typeof spec.cv === 'number') return { kind: labels ? 'stratified' : 'kfold', n_splits: spec.cv, shuffle: false, random_state: null, subset: null };
  return { kind: spec.cv.kind ?? (labels ? 'stratified' : 'kfold'), n_splits: spec.cv.n_splits, shuffle: spec.cv.shuffle, random_state: spec.cv.random_state, subset: spec.cv.subset };
}

/**
 * Splits an experiment into tasks: folds x groups of cells. Cells are grouped only when the
 * estimator can share the expensive step between them and the scorer works from predictions
 * (`group_cells`, default on); cv_results are the same either way.
 */
export function planTasks(spec: ExperimentSpec): Plan {
  const grid = candidatesOf(spec);
  const cv = resolveCv(spec);
  if (!cv) {
    if (grid.size !== 1) throw new RangeError(`cv is null (no cross-validation) but param_grid has ${grid.size} cells; a search needs cv`);
    return { grid, cv, tasks: [] };
  }
  // Successive halving plans its rounds as they come (search/halving.ts); nothing to run up front.
  if (spec.search.kind === 'halving') return { grid, cv, tasks: [] };
  return planCandidates(spec, grid, cv);
}

/**
 * Tasks for `grid` x folds of `cv`, grouping cells that can share a fit. Task indices start
 * at `offset`, so the rounds of a halving search never reuse one.
 */
export function planCandidates(spec: ExperimentSpec, grid: Candidates, cv: ResolvedCv, offset = 0, round?: number): Plan {
  const groups = new Map<string, number[]>();
  const canGroup = spec.group_cells && !spec.oof;
  const fromPredictions = SCORERS[spec.scoring].needs === 'predict';
  for (let cell = 0; cell < grid.size; cell++) {
    const key = canGroup ? shareKey(spec.estimator, grid.at(cell), fromPredictions) : null;
    const groupKey = key === null ? `cell:${cell}` : `shared:${key}`;
    const list = groups.get(groupKey) ?? [];
    list.push(cell);
    groups.set(groupKey, list);
  }
  const tasks: Task[] = [];
  for (let fold = 0; fold < cv.n_splits; fold++) {
    for (const cells of groups.values()) tasks.push({ index: offset + tasks.length, fold, cells, ...(round !== undefined && { round }) });
  }
  return { grid, cv, tasks };
}

/** The spec's candidates: param_grid's cells, or n_iter draws from param_distributions. */
export function candidatesOf(spec: ExperimentSpec): Candidates {
  if (spec.search.kind === 'halving' && spec.param_distributions) throw new RangeError('a halving search takes param_grid (HalvingGridSearchCV), not param_distributions');
  if (spec.search.kind === 'random') return new ParameterSampler(spec.param_distributions as ParamDistributions, spec.search.n_iter, spec.search.random_state);
  return new ParameterGrid(spec.param_grid as never);
}

/** Rows available to cross-validation: the first `cv.subset` training rows, or all. */
export function cvRows(dataset: Dataset, cv: ResolvedCv): number {
  return cv.subset == null ? dataset.train.X.rows : Math.min(cv.subset, dataset.train.X.rows);
}
