import type { CvResults, ExperimentResult, ExperimentSpec, ExperimentStatus, LearningCurve } from '@gridfold/core';

// What the API answers and streams about experiments, as JSON. The API's builders are typed
// with these (a field added, renamed or dropped there fails to compile until it is changed
// here), and the dashboard and the CLI read responses through them: type-only imports, so a
// browser bundle takes no code from this package.

export type { CvResults, ExperimentResult, ExperimentStatus, LearningCurve };

/** Progress of an experiment: tasks done of total, and an ETA from observed task times. */
export interface Progress {
  done: number;
  total: number;
  /** Estimated milliseconds to the end of cross-validation; null until a task has finished. */
  eta_ms: number | null;
  /** Tasks running now, by worker; `since` in milliseconds since the epoch. */
  running: Array<{ task: number; worker: string; since: number }>;
}

/**
 * An experiment as the API shows it: status and progress, partial cv_results while it runs,
 * and at the end the same result object `gridfold run --json` prints. Times in milliseconds
 * since the epoch.
 */
export interface ExperimentView {
  id: string;
  name: string;
  status: ExperimentStatus;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  /** Why it failed or was cancelled, when it was. */
  error?: string;
  progress: Progress;
  spec: ExperimentSpec;
  /**
   * The final, aggregated or partial cv_results (NaN as null); null before any task reported,
   * and null when it has more rows than the API inlines (then `cv_results_page` says where to
   * page through them).
   */
  cv_results: CvResults | null;
  /** Present when cv_results has too many rows to inline: read them by pages from `href` ({@link CvResultsPage}). */
  cv_results_page?: CvResultsRef;
  /**
   * An objective's learning curves (`ctx.report`) per (cell, fold), final or of the tasks done
   * so far; absent when none reported (and in lists).
   */
  curves?: LearningCurve[];
  best_score: number | null;
  /** The final result, once the experiment has ended. */
  result: ExperimentResult | null;
}

/** Where to find an experiment: its API resource, its dashboard page and its queue in Bull Board. */
export interface ExperimentLinks {
  self: string;
  page: string;
  bull_board: string;
}

/** POST /api/experiments (201): the new experiment's id and its number of fit tasks. */
export interface ExperimentCreated {
  id: string;
  tasks: number;
  /**
   * The (cell, fold) fits those tasks run, for a grid or random search: more than `tasks` where
   * cells share a fit or run in batches (spec `batch_size`).
   */
  fits?: number;
  links: ExperimentLinks;
  /** Set (200) when the submission's Idempotency-Key had already made this experiment: nothing new was created. */
  replayed?: true;
}

/** GET /api/experiments/:id, with the bytes of Redis the experiment's store keys take (MEMORY USAGE). */
export type ExperimentDetail = ExperimentView & { redis_bytes: number; links: ExperimentLinks };

/** One experiment of a list: the view without its spec, cv_results, curves and result (which can be large). */
export type ExperimentListItem = Omit<ExperimentView, 'spec' | 'cv_results' | 'curves' | 'result'>;

/** GET /api/experiments, newest first. */
export interface ExperimentList {
  experiments: Array<ExperimentListItem & { links: ExperimentLinks }>;
}

/** The `experiments` event of GET /api/events: the list, newest first, without links. */
export interface ExperimentListEvent {
  experiments: ExperimentListItem[];
}

/** One fit task of an experiment's plan and the BullMQ job that ran or runs it. */
export interface TaskRef {
  task: number;
  fold: number;
  cells: number[];
  job_id: string;
}

/**
 * The `experiment` event of GET /api/experiments/:id/events: the view without the final
 * result (fetch GET /api/experiments/:id once `has_result`), plus what a live page links to.
 */
export type ExperimentEvent = Omit<ExperimentView, 'result'> & {
  best_index: number | null;
  has_result: boolean;
  /** Run generation: 0, then +1 per retry. */
  generation: number;
  /** Every task, or with `tasks_partial` (more tasks than the API inlines) only those running: a page of cv_results carries its rows' tasks. */
  tasks: TaskRef[];
  tasks_partial?: boolean;
  /** The BullMQ queue of every job of the experiment, for Bull Board links. */
  queue: string;
};

/** Where the rows of a cv_results too large to inline are: `rows` of them, at most `inline_limit` inlined. */
export interface CvResultsRef {
  rows: number;
  inline_limit: number;
  /** GET /api/experiments/:id/cv_results */
  href: string;
}

/** What GET /api/experiments/:id/cv_results can sort by: `rank_test_score`, a score or time column, `param_<name>`, `split<k>_test_score`. */
export type CvSortOrder = 'asc' | 'desc';

/**
 * GET /api/experiments/:id/cv_results: one page of rows (grid cells) in the asked order.
 * `cv_results` holds the page's rows only, column by column as scikit-learn lays them out;
 * `index[i]` is the row (cell) number of its i-th entry in the whole cv_results. While the
 * experiment runs the rows are those of the tasks done when they were last aggregated
 * (`tasks_done` of them).
 */
export interface CvResultsPage {
  id: string;
  status: ExperimentStatus;
  /** Rows (grid cells) in all. */
  rows: number;
  offset: number;
  limit: number;
  sort: string;
  order: CvSortOrder;
  /** Tasks whose results these rows include; `tasks_total` once final. */
  tasks_done: number;
  tasks_total: number;
  best_index: number | null;
  index: number[];
  cv_results: CvResults | null;
  /** The fit tasks of these rows and their BullMQ jobs. */
  tasks: TaskRef[];
  queue: string;
}

/**
 * The grid heatmap's squares: mean test score over two parameters (x, y), the other parameters
 * held at the anchor cell's values (the best cell's once there is one, else the first cell's),
 * so each square is one grid cell. An axis with more distinct values than the heatmap's bins
 * groups consecutive values (in sorted order, equal counts) into one bin, whose square shows
 * the best mean test score of its cells.
 */
export interface HeatmapGrid {
  x: string;
  y: string;
  /** The parameters that take more than one value across the grid: what x and y may be. */
  axes: string[];
  /** Labels along x, in order: a value as cv_results prints it, or a bin `first–last`. */
  xs: string[];
  ys: string[];
  /** How many of the axis' distinct values each label covers (all 1 when not binned). */
  x_counts: number[];
  y_counts: number[];
  /** One square per (x label, y label) holding a cell of the slice: [x index, y index, score, or null while none of its cells has a mean]. */
  cells: Array<[number, number, number | null]>;
  /** The square of the best cell, when it is known and in the slice. */
  best: [number, number] | null;
  /** The cell whose other parameters the slice keeps. */
  anchor: number;
}

/**
 * GET /api/experiments/:id/heatmap?x=&y=&bins=: the grid heatmap of an experiment's cv_results
 * (final, aggregated, or partial while it runs, as `tasks_done` of `tasks_total` tasks give it),
 * computed by the API for a sweep too large to inline; `heatmap` is null before any task has
 * reported or when fewer than two parameters vary.
 */
export interface HeatmapView {
  id: string;
  status: ExperimentStatus;
  rows: number;
  tasks_done: number;
  tasks_total: number;
  /**
   * Tasks whose results the squares include: fewer than `tasks_done` while the API has yet to
   * re-aggregate the newest (it does so at most every 250 ms or so), when a page reads again.
   */
  tasks_aggregated: number;
  best_index: number | null;
  heatmap: HeatmapGrid | null;
}
