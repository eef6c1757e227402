import type { DatasetSpec } from '../datasets/load.js';
import type { TargetSpec } from '../datasets/targets.js';
import { sharesFit, type OutputMethod, type Params } from '../estimators/base.js';
import { buildEstimator, type EstimatorSpec } from '../estimators/registry.js';
import { SCORERS, type ScoringName } from '../metrics/scorers.js';
import { CandidateList } from '../search/candidate-list.js';
import { candidatesOf } from '../search/candidates.js';
import type { Candidates } from '../search/parameter-grid.js';
import type { ExperimentSpec } from '../spec/schema.js';
import type { ResolvedCv } from '../splitters/fold-data.js';
import { pluginShas } from './plugin-shas.js';

/** One unit of work: one fold x one group of grid cells that share a fit. Small and serialisable. */
export interface Task {
  /** Position in the plan, 0-based; stable for a given spec (unique across halving rounds). */
  index: number;
  /** Successive-halving round this task belongs to. */
  round?: number;
  fold: number;
  /** Grid cell indices (rows of cv_results) this task scores. */
  cells: number[];
  /** The cells are independent fits run one after another in one job (spec `batch_size`), not a group that shares a fit. */
  batch?: true;
}

/** The refit step, resolved: the best params refit on the first `subset` training rows, scored on the test split. */
export interface RefitSettings {
  /** Training rows to refit on; null: all. */
  subset: number | null;
  metrics: Array<NonNullable<Exclude<ExperimentSpec['refit'], boolean>['metrics']>[number]>;
  /** Test rows whose input, target and prediction are kept. */
  examples: number;
}

/** Out-of-fold outputs and their metrics (cross_val_predict), as the spec gives them. */
export type OofSettings = NonNullable<ExperimentSpec['oof']>;

/**
 * What an experiment will do, resolved from its checked spec once: every later step (fit and
 * score, aggregate, refit, report) takes the plan, a task, a fold, never the raw spec.
 */
export interface Plan {
  name: string;
  dataset: DatasetSpec;
  /** The target, resolved (multiclass when the spec names none). */
  target: TargetSpec;
  estimator: EstimatorSpec;
  /** The candidates (grid cells or random draws), in cv_results row order. */
  grid: Candidates;
  /** null: no cross-validation (fit once on the training set). */
  cv: ResolvedCv | null;
  /** Fit tasks; empty for a halving search, whose rounds are planned as they come. */
  tasks: Task[];
  search: ExperimentSpec['search'];
  /** A study's space (search.kind "tpe"), else null. */
  paramSpace: NonNullable<ExperimentSpec['param_space']> | null;
  /** A study's pruner; `{kind: "none"}` when the spec has none. */
  pruner: NonNullable<ExperimentSpec['pruner']>;
  scoring: ScoringName;
  /** scikit-learn's error_score: "raise", or the score recorded for a failed cell (null = NaN). */
  errorScore: ExperimentSpec['error_score'];
  oof: OofSettings | null;
  refit: RefitSettings | null;
  /** Whether stored results of identical fits may be reused. */
  cache: boolean;
  /** Whether cells that share a fit may run as one task. */
  groupCells: boolean;
  /** Single fits per task, 1 when not batched (spec `batch_size`, resolved). */
  batchSize: number;
  /** sha256 of the spec's plugin bundles, in spec order: part of every task cache key, so an edited plugin recomputes. */
  plugins: string[];
  /** The experiment's share of the workers against others queued at the same time (spec `priority`). */
  priority: number;
  /** The spec's `artifacts`: plugin and dataset paths as written, to the sha256 of the uploaded bytes. */
  artifacts: Record<string, string>;
}

/** Options of {@link planExperiment}. */
export interface PlanOptions {
  /**
   * The cells of each task of a fold, as planned where the spec's plugins were loaded (the
   * API's plugin check stores them): a process without the plugins cannot ask their
   * estimators for share keys, and must still see the same tasks.
   */
  groups?: number[][];
}

/**
 * scikit-learn's `check_cv`: an int means StratifiedKFold for class-label targets (binary or
 * multiclass) and KFold otherwise (multilabel, multioutput), without shuffling.
 */
export function resolveCv(spec: Pick<ExperimentSpec, 'cv' | 'dataset'>): ResolvedCv | null {
  if (spec.cv === null) return null;
  const kind = spec.dataset.target?.kind ?? 'multiclass';
  const labels = kind === 'multiclass' || kind === 'binary';
  if (typeof spec.cv === 'number') return { kind: labels ? 'stratified' : 'kfold', n_splits: spec.cv, shuffle: false, random_state: null, subset: null };
  return { kind: spec.cv.kind ?? (labels ? 'stratified' : 'kfold'), n_splits: spec.cv.n_splits, shuffle: spec.cv.shuffle, random_state: spec.cv.random_state, subset: spec.cv.subset };
}

/**
 * Turns a checked spec into its plan: candidates, folds and the tasks that cover them. Cells
 * are grouped into one task only when the estimator can share a fit between them for this
 * scorer (`group_cells`, default on, and no out-of-fold outputs); cv_results are the same
 * either way.
 * @throws RangeError when cv is null but there is more than one candidate.
 */
export function planExperiment(spec: ExperimentSpec, options: PlanOptions = {}): Plan {
  // A study's candidates are its trials, proposed one at a time as earlier ones end (runner/run-study.ts).
  const grid = spec.search.kind === 'tpe' ? new CandidateList([]) : candidatesOf(spec);
  const cv = resolveCv(spec);
  if (!cv && grid.size !== 1) throw new RangeError(`cv is null (no cross-validation) but param_grid has ${grid.size} cells; a search needs cv`);
  const target = spec.dataset.target ?? { kind: 'multiclass' };
  const plan: Plan = {
    name: spec.name,
    dataset: spec.dataset,
    target,
    estimator: spec.estimator,
    grid,
    cv,
    tasks: [],
    search: spec.search,
    paramSpace: spec.param_space ?? null,
    pruner: spec.pruner ?? { kind: 'none' },
    scoring: spec.scoring,
    errorScore: spec.error_score,
    oof: spec.oof ?? null,
    refit: resolveRefit(spec.refit, target),
    cache: spec.cache,
    groupCells: spec.group_cells,
    batchSize: 1,
    plugins: pluginShas(spec),
    artifacts: spec.artifacts ?? {},
    priority: spec.priority ?? 1,
  };
  // Successive halving plans its rounds as they come (plan/halving-rounds.ts), a study its trials; nothing to run up front.
  if (!cv || spec.search.kind === 'halving' || spec.search.kind === 'tpe') return plan;
  const tasks = options.groups ? tasksOfGroups(options.groups, grid.size, cv) : tasksFor(plan, grid, cv);
  const batchSize = batchable(spec, tasks) ? resolveBatchSize(spec.batch_size, tasks.length) : 1;
  return { ...plan, batchSize, tasks: batchSize > 1 ? batchTasks(tasks, batchSize) : tasks };
}

/** Most jobs a sweep is cut into when its `batch_size` is "auto": past this many single fits, they are batched. */
export const AUTO_BATCH_JOBS = 2000;

/** The fits per task of a spec's `batch_size` for `tasks` single fits. */
export function resolveBatchSize(setting: ExperimentSpec['batch_size'], tasks: number): number {
  if (setting !== 'auto') return setting;
  return tasks > AUTO_BATCH_JOBS ? Math.ceil(tasks / AUTO_BATCH_JOBS) : 1;
}

/**
 * Whether a sweep's tasks may be batched: each is one cell (no group sharing a fit), and the
 * spec does not split tasks by their queries. Decided from the tasks, not by asking the
 * estimator, so a process without the spec's plugins (given their groups) batches the same.
 */
function batchable(spec: ExperimentSpec, tasks: Task[]): boolean {
  return tasks.every((t) => t.cells.length === 1) && !(typeof spec.split_queries === 'number' && spec.split_queries > 1);
}

/** Consecutive single-cell tasks of the same fold, `size` at most to a task, renumbered from 0. */
function batchTasks(tasks: Task[], size: number): Task[] {
  const out: Task[] = [];
  for (const t of tasks) {
    const last = out.at(-1);
    if (last && last.fold === t.fold && last.cells.length < size) last.cells.push(...t.cells);
    else out.push({ index: out.length, fold: t.fold, cells: [...t.cells], batch: true });
  }
  return out;
}

/**
 * The cells of each task of one fold (what {@link planExperiment}'s `groups` takes), for a
 * plan made where its plugins are loaded.
 */
export function cellGroups(plan: Pick<Plan, 'tasks'>): number[][] {
  const first = plan.tasks.length ? plan.tasks[0].fold : 0;
  // A batch is single fits: its cells are groups of one (the plan batches them again).
  return plan.tasks.filter((t) => t.fold === first).flatMap((t) => (t.batch ? t.cells.map((c) => [c]) : [t.cells]));
}

function tasksOfGroups(groups: number[][], cells: number, cv: ResolvedCv): Task[] {
  const seen = new Set(groups.flat());
  if (seen.size !== cells || groups.flat().length !== cells || [...seen].some((c) => !Number.isInteger(c) || c < 0 || c >= cells)) {
    throw new RangeError(`the stored task groups do not cover the ${cells} cells exactly once`);
  }
  const tasks: Task[] = [];
  for (let fold = 0; fold < cv.n_splits; fold++) for (const g of groups) tasks.push({ index: tasks.length, fold, cells: g });
  return tasks;
}

/**
 * Tasks for `grid` x the folds of `cv`, grouping cells that can share a fit. Task indices
 * start at `offset`, so the rounds of a halving search never reuse one.
 */
export function tasksFor(plan: Pick<Plan, 'estimator' | 'scoring' | 'oof' | 'groupCells'>, grid: Candidates, cv: ResolvedCv, offset = 0, round?: number): Task[] {
  const groups = new Map<string, number[]>();
  const canGroup = plan.groupCells && !plan.oof && estimatorSharesFit(plan.estimator);
  const output = SCORERS[plan.scoring].needs;
  for (let cell = 0; cell < grid.size; cell++) {
    const key = canGroup ? shareKeyOf(plan.estimator, grid.at(cell), output) : null;
    const groupKey = key === null ? `cell:${cell}` : `shared:${key}`;
    const list = groups.get(groupKey) ?? [];
    list.push(cell);
    groups.set(groupKey, list);
  }
  const tasks: Task[] = [];
  for (let fold = 0; fold < cv.n_splits; fold++) {
    for (const cells of groups.values()) tasks.push({ index: offset + tasks.length, fold, cells, ...(round !== undefined && { round }) });
  }
  return tasks;
}

/** Whether the spec's estimator class can share fits at all (so cells need not be built one by one to ask). */
function estimatorSharesFit(estimator: EstimatorSpec): boolean {
  try {
    return sharesFit(buildEstimator(estimator));
  } catch {
    return false;
  }
}

/** The share key of one cell's estimator (see SharesFit); null when it shares nothing or cannot be built. */
function shareKeyOf(estimator: EstimatorSpec, params: Params, output: OutputMethod): string | null {
  try {
    const est = buildEstimator(estimator, params);
    return sharesFit(est) ? est.shareKey(output) : null;
  } catch {
    // A cell whose params are invalid runs alone: it fails by itself, per error_score.
    return null;
  }
}

function resolveRefit(refit: ExperimentSpec['refit'], target: TargetSpec): RefitSettings | null {
  if (refit === false) return null;
  if (refit === true) return { subset: null, metrics: target.kind === 'denoise' ? ['mean_squared_error', 'noisy_mean_squared_error'] : ['accuracy'], examples: 0 };
  return refit;
}
