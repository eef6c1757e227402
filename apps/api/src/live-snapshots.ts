import { planExperiment, type ExperimentSpec } from '@gridfold/core';
import { jobIds, type ExperimentEvent, type ExperimentRecord, type ExperimentListEvent, type ExperimentListItem, type ExperimentStore, type TaskRef } from '@gridfold/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { describeExperiment } from './progress.js';

/** A snapshot and the cheap signature that says whether it must be recomputed. */
export interface Snapshot<T = unknown> {
  signature: string;
  data: T;
}

/** Reads what the live streams send; one instance per app, shared by every client. */
export class LiveSnapshots {
  private readonly listCache = new Map<string, { signature: string; item: ExperimentListItem }>();

  constructor(
    private readonly store: ExperimentStore,
    private readonly redis: Redis,
    private readonly queue: Queue,
  ) {}

  /**
   * Cheap signature of an experiment (status, run generation, tasks done and running):
   * four small reads, no task results. A snapshot is recomputed only when it changes.
   */
  async experimentSignature(id: string): Promise<string | null> {
    const [status, done, running, generation] = await Promise.all([this.store.status(id), this.store.doneTasks(id), this.store.runningTasks(id), this.store.generation(id)]);
    if (status === null) return null;
    return `${status}|${generation}|${done}|${Object.entries(running).map(([t, r]) => `${t}@${r.worker}@${r.since}`).sort().join(',')}`;
  }

  /**
   * What GET /api/experiments/:id shows without the final result (which can be large: curves,
   * test examples), plus the task → job map for links into Bull Board. cv_results are
   * aggregated here once per change, whatever the number of clients.
   */
  async experiment(id: string): Promise<ExperimentEvent | null> {
    const record = await this.store.get(id);
    if (!record) return null;
    const { result, ...view } = await describeExperiment(this.store, record);
    const generation = await this.store.generation(id);
    return {
      ...view,
      best_index: result?.best_index ?? record.summary?.best_index ?? null,
      has_result: result !== null,
      generation,
      tasks: await this.taskRefs(id, record, generation),
      queue: this.queue.name,
    };
  }

  /**
   * The experiment list as GET /api/experiments shows it (newest first, at most `limit`);
   * an item is re-read only when its status or number of finished tasks changed, or while
   * it runs (running tasks and ETA move).
   */
  async list(limit = 50): Promise<Snapshot<ExperimentListEvent>> {
    const ids = await this.store.list(0, limit);
    const items = await Promise.all(
      ids.map(async (id) => {
        const [status, done] = await Promise.all([this.store.status(id), this.store.doneTasks(id)]);
        const signature = `${status}|${done}`;
        const cached = this.listCache.get(id);
        if (cached && cached.signature === signature && status !== 'running') return { id, signature, item: cached.item };
        const record = await this.store.get(id);
        if (!record) return null;
        const { spec: _s, cv_results: _c, curves: _v, result: _r, ...item } = await describeExperiment(this.store, record, false);
        this.listCache.set(id, { signature, item });
        return { id, signature, item };
      }),
    );
    const present = items.filter((i) => i !== null);
    for (const id of this.listCache.keys()) if (!ids.includes(id)) this.listCache.delete(id);
    const data = { experiments: present.map((i) => i.item) };
    // Running items carry progress that moves without a status change; their JSON is the signature.
    return { signature: present.map((i) => (i.signature.startsWith('running') ? JSON.stringify(i.item) : `${i.id}:${i.signature}`)).join(';'), data };
  }

  /**
   * The job of each task. A retry (generation g > 0) re-runs only the tasks that had no
   * result, so a kept task's job is from an earlier generation: the newest one that exists.
   */
  private async taskRefs(id: string, record: Pick<ExperimentRecord, 'spec'> & { groups?: number[][] }, generation: number): Promise<TaskRef[]> {
    const tasks = planExperiment(record.spec as ExperimentSpec, { groups: record.groups }).tasks;
    const refs = tasks.map((t) => ({ task: t.index, fold: t.fold, cells: t.cells, job_id: jobIds.task(id, t.index, generation) }));
    if (generation === 0 || refs.length === 0) return refs;
    const pipeline = this.redis.pipeline();
    for (const t of tasks) for (let g = generation; g >= 0; g--) pipeline.exists(this.queue.toKey(jobIds.task(id, t.index, g)));
    const found = ((await pipeline.exec()) ?? []).map(([, n]) => n === 1);
    return refs.map((r, i) => {
      const newest = found.slice(i * (generation + 1), (i + 1) * (generation + 1)).indexOf(true);
      return newest <= 0 ? r : { ...r, job_id: jobIds.task(id, r.task, generation - newest) };
    });
  }
}
