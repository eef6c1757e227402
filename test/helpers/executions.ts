import { existsSync, readFileSync } from 'node:fs';
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

/**
 * Computations of each task of experiment `id` counted from the workers' JSON log lines (a
 * processor logs every task it computes to the end, stored or refused): a count that does not
 * live in Redis, so it survives a Redis that lost its last writes.
 */
export function computedInLog(logFile: string, id: string): Record<number, number> {
  const counts: Record<number, number> = {};
  if (!existsSync(logFile)) return counts;
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes(id)) continue;
    let entry: { experiment?: string; task?: number; msg?: string };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.experiment !== id || entry.task === undefined) continue;
    if (entry.msg === 'task done' || entry.msg?.startsWith('task result refused')) counts[entry.task] = (counts[entry.task] ?? 0) + 1;
  }
  return counts;
}
