import { aggregateResults, planExperiment, type ExperimentSpec, type TaskResult } from '@gridfold/core';
import type { ExperimentRecord, ExperimentStore, ExperimentView, Progress } from '@gridfold/queue';

/**
 * The experiment as the API shows it: status and progress, partial cv_results and learning
 * curves while it runs, and at the end the same result object `gridfold run --json` prints.
 */
export async function describeExperiment(store: ExperimentStore, record: ExperimentRecord, withResults = true): Promise<ExperimentView> {
  // The stored spec was checked when it was taken; the task groups are the ones its plugins gave.
  const plan = planExperiment(record.spec as ExperimentSpec, { groups: record.groups });
  // Halving plans its rounds as they come: the total is what has been planned so far.
  const total = (await store.plannedTasks(record.id)) ?? plan.tasks.length;
  const results: TaskResult[] = withResults && !record.result ? await store.taskResults(record.id) : [];
  const done = record.result ? total : withResults ? results.length : await store.doneTasks(record.id);
  const runningMap = record.status === 'running' ? await store.runningTasks(record.id) : {};
  const running = Object.entries(runningMap).map(([task, r]) => ({ task: Number(task), ...r }));
  const progress: Progress = { done, total, eta_ms: eta(record, done, total, results, new Set(running.map((r) => r.worker)).size), running };
  const partial = !record.result && plan.cv && withResults ? aggregateResults(plan, results) : null;
  // Learning curves of the tasks done so far while it runs, so the page can plot them live.
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
