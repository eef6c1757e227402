import type { Plan } from '@gridfold/core';
import type { JobKind } from './flow.js';
import { jobIds } from './names.js';
import type { HalvingState } from './store.js';

/**
 * The step jobs a run (generation) of an experiment may have, parents before children: the
 * refit, the aggregate, its gate (a huge flow's, see enqueue.ts), the halving rounds planned so far (latest first) and the halving start.
 * Whatever the search, an id that was never added names no job, so a caller may ask for all.
 */
export function runStepIds(id: string, generation: number, halving: HalvingState | null): string[] {
  const rounds = (halving?.rounds ?? []).map((r) => jobIds.halvingRound(id, r.iter, generation)).reverse();
  return [jobIds.root(id, generation), jobIds.aggregate(id, generation), jobIds.gate(id, generation), ...rounds, jobIds.halvingStart(id, generation)];
}

/**
 * The fit task jobs of a run: the plan's tasks, or for successive halving the tasks of the
 * rounds planned so far (each round's tasks are numbered from its `task_offset`). A retry of
 * some tasks adds only those; the others name no job. `parts`: the experiment's stored task parts.
 */
export function runTaskIds(id: string, generation: number, plan: Plan, halving: HalvingState | null, parts = 1): string[] {
  if (plan.search.kind === 'tpe') return Array.from({ length: plan.search.n_trials }, (_, n) => jobIds.trial(id, n, generation));
  const indices =
    plan.search.kind === 'halving'
      ? (halving?.rounds ?? []).flatMap((r) => Array.from({ length: r.tasks }, (_, i) => r.task_offset + i))
      : plan.tasks.map((t) => t.index);
  // A task split by its queries (the experiment's `task_parts`) is its part jobs.
  if (parts > 1) return indices.flatMap((i) => Array.from({ length: parts }, (_, p) => jobIds.taskPart(id, i, p, generation)));
  return indices.map((i) => jobIds.task(id, i, generation));
}

/**
 * An experiment's error when a step job (aggregate, halving step, refit) failed for good: the
 * chain of its run is broken there. `aggregate job failed: <the job's reason>`.
 */
export function stepFailure(kind: JobKind | string, reason: string): string {
  return `${kind} job failed: ${reason}`;
}
