import { planOfRecord } from './record-plan.js';
import type { Queue } from 'bullmq';
import { jobIds } from './names.js';
import type { ExperimentRecord, ExperimentStore, HalvingState } from './store.js';

/** What {@link purgeExperiment} did: deleted the experiment, or why not. */
export type PurgeOutcome =
  | { id: string; purged: true; freed_bytes: number; removed_jobs: number }
  | { id: string; purged: false; reason: 'missing' }
  | { id: string; purged: false; reason: 'running'; status: string }
  | { id: string; purged: false; reason: 'busy'; active_jobs: number }
  | { id: string; purged: false; reason: 'recent'; finished_at: number };

/** Options of {@link purgeExperiment}. */
export interface PurgeOptions {
  /** Only an experiment that ended before this time (milliseconds since the epoch) is deleted. */
  endedBefore?: number;
}

/**
 * Deletes an ended experiment with every key it has: its store keys and its BullMQ jobs. One
 * that has not ended is left alone (`running`: cancel it first), and so is one with a job still
 * active (`busy`: a task that began before a cancel writes its result when it ends, so the
 * experiment is deleted once that is done). Works when Redis is out of memory. `queue` is the
 * experiment's own (its shard's, `QueueShards.queueOf(id)`).
 */
export async function purgeExperiment(store: ExperimentStore, queue: Queue, id: string, options: PurgeOptions = {}): Promise<PurgeOutcome> {
  const record = await store.get(id);
  if (!record) return { id, purged: false, reason: 'missing' };
  if (!store.isTerminal(record.status)) return { id, purged: false, reason: 'running', status: record.status };
  const finishedAt = record.finished_at ?? record.created_at;
  if (options.endedBefore !== undefined && finishedAt >= options.endedBefore) return { id, purged: false, reason: 'recent', finished_at: finishedAt };
  const active = (await queue.getActive()).filter((job) => job.data?.experimentId === id).length;
  if (active > 0) return { id, purged: false, reason: 'busy', active_jobs: active };
  const freed = await store.memoryUsage(id);
  const removed = await removeJobs(queue, await experimentJobIds(store, record));
  await store.purge(id, Object.values(record.spec.artifacts ?? {}));
  return { id, purged: true, freed_bytes: freed, removed_jobs: removed };
}

/** What {@link pruneExperiments} did. */
export interface PruneOutcome {
  /** Experiments that ended before this time were deleted, milliseconds since the epoch. */
  cutoff: number;
  purged: string[];
  freed_bytes: number;
  /** Old experiments kept, and why (running, or a job still active). */
  kept: Array<{ id: string; reason: string }>;
}

/**
 * Deletes every experiment that was created and ended more than `olderThanMs` milliseconds
 * before `now`, at most `limit` per call, oldest first; `queueOf(id)` is experiment `id`'s queue (its shard's).
 */
export async function pruneExperiments(store: ExperimentStore, queueOf: (id: string) => Queue, olderThanMs: number, now = Date.now(), limit = 1000): Promise<PruneOutcome> {
  const cutoff = now - olderThanMs;
  const outcome: PruneOutcome = { cutoff, purged: [], freed_bytes: 0, kept: [] };
  for (const id of await store.createdBefore(cutoff, limit)) {
    const done = await purgeExperiment(store, queueOf(id), id, { endedBefore: cutoff });
    if (done.purged) {
      outcome.purged.push(id);
      outcome.freed_bytes += done.freed_bytes;
    } else if (done.reason !== 'missing' && done.reason !== 'recent') outcome.kept.push({ id, reason: done.reason });
  }
  return outcome;
}

/**
 * Ids of every job the experiment may have had: per run generation its refit, aggregate,
 * halving steps and fit tasks (a retry re-runs some tasks under fresh ids), from its plan. A
 * spec that no longer plans (an older version's) gives none: its jobs are left to job retention.
 */
async function experimentJobIds(store: ExperimentStore, record: ExperimentRecord): Promise<string[]> {
  const { id } = record;
  const generation = await store.generation(id);
  let tasks: number[];
  let rounds = 0;
  try {
    const plan = planOfRecord(record);
    const halving: HalvingState | null = plan.search.kind === 'halving' ? await store.halving(id) : null;
    rounds = halving?.rounds.length ?? 0;
    // A round's tasks are numbered from its offset, as its halving step planned them (where the plugins were loaded).
    tasks = halving ? halving.rounds.flatMap((r) => Array.from({ length: r.tasks }, (_, i) => r.task_offset + i)) : plan.tasks.map((t) => t.index);
  } catch {
    return [];
  }
  const ids: string[] = [];
  for (let g = 0; g <= generation; g++) {
    ids.push(jobIds.root(id, g), jobIds.aggregate(id, g), jobIds.halvingStart(id, g));
    for (let r = 0; r < rounds; r++) ids.push(jobIds.halvingRound(id, r, g));
    for (const t of tasks) ids.push(jobIds.task(id, t, g));
  }
  return ids;
}

/** Removes the jobs that exist (with their logs and dependency keys); returns how many. */
async function removeJobs(queue: Queue, ids: string[]): Promise<number> {
  let removed = 0;
  for (let i = 0; i < ids.length; i += 200) {
    const batch = ids.slice(i, i + 200);
    // Queue.remove answers 1 for a job that is not there too: only those that exist are counted.
    const states = await Promise.all(batch.map((jobId) => queue.getJobState(jobId)));
    const present = batch.filter((_, j) => states[j] !== 'unknown');
    // Each job on its own (children are in the list too), so that nothing depends on the order.
    const done = await Promise.all(present.map((jobId) => queue.remove(jobId, { removeChildren: false })));
    removed += done.filter((n) => n === 1).length;
  }
  return removed;
}
