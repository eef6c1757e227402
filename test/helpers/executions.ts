import type { TaskExecutions } from '@gridfold/queue';

/** What at-least-once delivery cost an experiment of `tasks` tasks, from the store's per-task counters. */
export interface ExecutionTally {
  tasks: number;
  /** Tasks whose result was written more than once (HSETNX should make this 0). */
  storedTwice: number;
  /** Tasks with no result written. */
  neverStored: number;
  /** Tasks started more than once, and the starts beyond one per task. */
  startedTwice: number;
  extraStarts: number;
  /** Tasks computed to the end more than once, and the computations beyond one per task. */
  computedTwice: number;
  extraComputations: number;
}

/** Tallies the counters of `store.executions(id)` for tasks 0..tasks-1. */
export function tallyExecutions(counts: TaskExecutions, tasks: number): ExecutionTally {
  const t: ExecutionTally = { tasks, storedTwice: 0, neverStored: 0, startedTwice: 0, extraStarts: 0, computedTwice: 0, extraComputations: 0 };
  for (let i = 0; i < tasks; i++) {
    const stored = counts.stored[i] ?? 0;
    const started = counts.started[i] ?? 0;
    const computed = counts.computed[i] ?? 0;
    if (stored > 1) t.storedTwice++;
    if (stored === 0) t.neverStored++;
    if (started > 1) t.startedTwice++;
    if (computed > 1) t.computedTwice++;
    t.extraStarts += Math.max(0, started - 1);
    t.extraComputations += Math.max(0, computed - 1);
  }
  return t;
}

/** One line for a test's output: `started twice 2 (+2 starts), computed twice 0 (+0), stored twice 0, never stored 0 of 200`. */
export function describeTally(t: ExecutionTally): string {
  return `started twice ${t.startedTwice} (+${t.extraStarts} starts), computed twice ${t.computedTwice} (+${t.extraComputations}), stored twice ${t.storedTwice}, never stored ${t.neverStored} of ${t.tasks}`;
}
