import type { Task } from '@gridfold/core';
import { jobIds, type TaskRef } from '@gridfold/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * The BullMQ job of each of `tasks`. A retry (generation g > 0) re-runs only the tasks that had
 * no result, so a kept task's job is from an earlier generation: the newest one that exists.
 */
export async function taskRefs(redis: Redis, queue: Queue, id: string, tasks: readonly Task[], generation: number): Promise<TaskRef[]> {
  const refs = tasks.map((t) => ({ task: t.index, fold: t.fold, cells: t.cells, job_id: jobIds.task(id, t.index, generation) }));
  if (generation === 0 || refs.length === 0) return refs;
  const pipeline = redis.pipeline();
  for (const t of tasks) for (let g = generation; g >= 0; g--) pipeline.exists(queue.toKey(jobIds.task(id, t.index, g)));
  const found = ((await pipeline.exec()) ?? []).map(([, n]) => n === 1);
  return refs.map((r, i) => {
    const newest = found.slice(i * (generation + 1), (i + 1) * (generation + 1)).indexOf(true);
    return newest <= 0 ? r : { ...r, job_id: jobIds.task(id, r.task, generation - newest) };
  });
}

/** The tasks that fit each cell (one per fold), by cell, for a plan's tasks. */
export function tasksByCell(tasks: readonly Task[]): Map<number, Task[]> {
  const byCell = new Map<number, Task[]>();
  for (const t of tasks) {
    for (const c of t.cells) {
      const list = byCell.get(c);
      if (list) list.push(t);
      else byCell.set(c, [t]);
    }
  }
  return byCell;
}
