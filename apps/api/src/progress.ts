import { studySummary, type Plan, type SearchSummary } from '@gridfold/core';
import { studyCurves, type ExperimentRecord, type ExperimentStore, type ExperimentView, type Progress } from '@gridfold/queue';
import type { ResultsCache } from './results-cache.js';

/** Settings of {@link describeExperiment}. */
export interface DescribeOptions {
  /** With cv_results and learning curves (a list item has neither). @defaultValue true */
  withResults?: boolean;
  /** Most cv_results rows inlined; a larger one is left to GET /api/experiments/:id/cv_results. @defaultValue {@link CV_INLINE_ROWS} */
  inlineRows?: number;
}

/** Most cv_results rows a view inlines: a 20,000-cell sweep's would be megabytes of JSON on every read. */
export const CV_INLINE_ROWS = 1000;

/**
 * The experiment as the API shows it: status and progress, partial cv_results and learning
 * curves while it runs, and at the end the same result object `gridfold run --json` prints.
 * The plan and the partial aggregate come from `cache`: a read of a huge running sweep fetches
 * only the task results stored since the last one, and re-aggregates only when there are some.
 */
export async function describeExperiment(store: ExperimentStore, cache: ResultsCache, record: ExperimentRecord, options: DescribeOptions = {}): Promise<ExperimentView> {
  const withResults = options.withResults ?? true;
  const plan = cache.plan(record);
  const inlineRows = options.inlineRows ?? CV_INLINE_ROWS;
  if (plan.search.kind === 'tpe') return describeStudy(store, record, plan, withResults, inlineRows);
  // Halving plans its rounds as they come: the total is what has been planned so far.
  const [planned, stored] = await Promise.all([store.plannedTasks(record.id), record.result ? 0 : store.doneTasks(record.id)]);
  const total = planned ?? plan.tasks.length;
  const done = record.result ? total : stored;
  const live = withResults && !record.result && !record.summary && plan.cv !== null;
  // Once aggregated for good, the partial aggregate is not needed again (a list read, without results, keeps it).
  if (record.result || record.summary) cache.forgetRunning(record.id);
  const partial = live && stored > 0 ? await cache.partial(record, plan, stored) : null;
  const runningMap = record.status === 'running' ? await store.runningTasks(record.id) : {};
  const running = Object.entries(runningMap).map(([task, r]) => ({ task: Number(task), ...r }));
  const progress: Progress = { done, total, eta_ms: eta(record, done, total, partial?.meanTaskMs ?? null, new Set(running.map((r) => r.worker)).size), running };
  return view(record, progress, partial?.summary ?? null, withResults, inlineRows);
}

/**
 * The view of a record with its progress: cv_results and learning curves from the result, else
 * the stored summary, else `partial` (what the tasks or trials done so far give, while it runs,
 * so the page can plot them live).
 */
function view(record: ExperimentRecord, progress: Progress, partial: SearchSummary | null, withResults: boolean, inlineRows: number): ExperimentView {
  const curves = withResults ? (record.result ? record.result.curves : (record.summary?.curves ?? partial?.curves)) : undefined;
  const cv = record.result?.cv_results ?? record.summary?.cv_results ?? partial?.cv_results ?? null;
  const rows = cv?.params.length ?? 0;
  return {
    id: record.id,
    name: record.name,
    status: record.status,
    created_at: record.created_at,
    started_at: record.started_at,
    finished_at: record.finished_at,
    error: record.error,
    progress,
    spec: record.spec,
    cv_results: rows > inlineRows ? null : cv,
    ...(rows > inlineRows && { cv_results_page: { rows, inline_limit: inlineRows, href: `/api/experiments/${record.id}/cv_results` } }),
    ...(curves && curves.length > 0 && { curves }),
    best_score: record.result?.best_score ?? record.summary?.best_score ?? null,
    result: record.result,
  };
}

function eta(record: ExperimentRecord, done: number, total: number, meanTaskMs: number | null, workers: number): number | null {
  if (record.status !== 'running' || done === 0) return record.status === 'completed' ? 0 : null;
  const meanMs = meanTaskMs ?? (Date.now() - (record.started_at ?? record.created_at)) / done;
  return Math.round((meanMs * (total - done)) / Math.max(1, workers));
}

/** A study as the API shows it: progress in trials (ended of n_trials), partial cv_results with each trial's state. */
async function describeStudy(store: ExperimentStore, record: ExperimentRecord, plan: Plan, withResults: boolean, inlineRows: number): Promise<ExperimentView> {
  const study = store.study();
  const total = plan.search.kind === 'tpe' ? plan.search.n_trials : 0;
  const done = record.result ? total : await study.ended(record.id);
  const runningMap = record.status === 'running' ? await store.runningTasks(record.id) : {};
  const running = Object.entries(runningMap).map(([task, r]) => ({ task: Number(task), ...r }));
  let partial = null;
  if (withResults && !record.result && !record.summary) {
    const [trials, results, reports] = await Promise.all([study.trials(record.id), store.taskResults(record.id), study.reports(record.id)]);
    if (trials.length) partial = studySummary(plan, trials, results, studyCurves(reports.curves));
  }
  const started = record.started_at ?? record.created_at;
  const eta_ms = record.status === 'running' && done > 0 ? Math.round(((Date.now() - started) / done) * (total - done)) : record.status === 'completed' ? 0 : null;
  return view(record, { done, total, eta_ms, running }, partial, withResults, inlineRows);
}
