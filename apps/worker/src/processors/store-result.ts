import type { Plan, TaskResult } from '@gridfold/core';
import { estimatorLabel, type ExperimentStore, type RunRef } from '@gridfold/queue';
import { log } from './context.js';

/**
 * Stores a task's whole result (its out-of-fold outputs first, then the result) and says what a
 * fit job returns for it: refused when the experiment was retried or is gone since the run
 * began, else its scores with the estimator and the task's wall time here (`started` → now:
 * plan, data, fit and score, store) for the worker's duration histogram (see TaskMetrics);
 * `ms` is the fit and score alone. `how` is logged with it (a merged or cached task says so).
 */
export async function storeTaskResult(store: ExperimentStore, id: string, plan: Plan, full: TaskResult, run: RunRef, started: number, how: Record<string, unknown> = {}): Promise<unknown> {
  const { oof, ...result } = full;
  if (oof) await store.saveOof(id, result.task, oof);
  const stored = await store.endTask(id, result, run);
  if (stored === 'stale-generation' || stored === 'stale-data' || stored === 'missing') {
    const since = `since generation ${run.generation} began`;
    const why = { 'stale-generation': `was retried ${since}`, 'stale-data': `was retried on changed data ${since}`, missing: 'is gone' }[stored];
    log.warn({ experiment: id, task: result.task, generation: run.generation, refused: stored }, `task result refused: the experiment ${why}`);
    return { task: result.task, refused: stored, generation: run.generation };
  }
  log.info({ experiment: id, task: result.task, fold: result.fold, cells: result.cells.length, ms: Date.now() - started, fresh: stored === 'stored', ...how }, 'task done');
  return { task: result.task, ms: result.ms, scores: result.cells.map((c) => c.test_score), estimator: estimatorLabel(plan.estimator), seconds: (Date.now() - started) / 1000 };
}
