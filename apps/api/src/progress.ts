import { aggregateResults, planExperiment, studySummary, type ExperimentSpec, type Plan, type SearchSummary, type TaskResult } from '@gridfold/core';
import { studyCurves, type ExperimentRecord, type ExperimentStore, type ExperimentView, type Progress } from '@gridfold/queue';

/**
 * The experiment as the API shows it: status and progress, partial cv_results and learning
 * curves while it runs, and at the end the same result object `gridfold run --json` prints.
 */
export async function describeExperiment(store: ExperimentStore, record: ExperimentRecord, withResults = true): Promise<ExperimentView> {
  // The stored spec was checked when it was taken; the task groups are the ones its plugins gave.
  const plan = planExperiment(record.spec as ExperimentSpec, { groups: record.groups });
  if (plan.search.kind === 'tpe') return describeStudy(store, record, plan, withResults);
  // Halving plans its rounds as they come: the total is what has been planned so far.
  const total = (await store.plannedTasks(record.id)) ?? plan.tasks.length;
  const results: TaskResult[] = withResults && !record.result ? await store.taskResults(record.id) : [];
  const done = record.result ? total : withResults ? results.length : await store.doneTasks(record.id);
  const runningMap = record.status === 'running' ? await store.runningTasks(record.id) : {};
  const running = Object.entries(runningMap).map(([task, r]) => ({ task: Number(task), ...r }));
  const progress: Progress = { done, total, eta_ms: eta(record, done, total, results, new Set(running.map((r) => r.worker)).size), running };
  const partial = !record.result && plan.cv && withResults ? aggregateResults(plan, results) : null;
  return view(record, progress, partial, withResults);
}

/**
 * The view of a record with its progress: cv_results and learning curves from the result, else
 * the stored summary, else `partial` (what the tasks or trials done so far give, while it runs,
 * so the page can plot them live).
 */
function view(record: ExperimentRecord, progress: Progress, partial: SearchSummary | null, withResults: boolean): ExperimentView {
  const curves = withResults ? (record.result ? record.result.curves : (record.summary?.curves ?? partial?.curves)) : undefined;
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
    cv_results: record.result?.cv_results ?? record.summary?.cv_results ?? partial?.cv_results ?? null,
    ...(curves && curves.length > 0 && { curves }),
    best_score: record.result?.best_score ?? record.summary?.best_score ?? null,
    result: record.result,
  };
}

function eta(record: ExperimentRecord, done: number, total: number, results: TaskResult[], workers: number): number | null {
  if (record.status !== 'running' || done === 0) return record.status === 'completed' ? 0 : null;
  const meanMs = results.length ? results.reduce((s, r) => s + r.ms, 0) / results.length : (Date.now() - (record.started_at ?? record.created_at)) / done;
  return Math.round((meanMs * (total - done)) / Math.max(1, workers));
}

/** A study as the API shows it: progress in trials (ended of n_trials), partial cv_results with each trial's state. */
async function describeStudy(store: ExperimentStore, record: ExperimentRecord, plan: Plan, withResults: boolean): Promise<ExperimentView> {
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
  return view(record, { done, total, eta_ms, running }, partial, withResults);
}
