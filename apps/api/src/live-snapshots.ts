import type { ExperimentEvent, ExperimentListEvent, ExperimentListItem, ExperimentStore, QueueShards } from '@gridfold/queue';
import type { Redis } from 'ioredis';
import { CV_INLINE_ROWS, describeExperiment } from './progress.js';
import type { ResultsCache } from './results-cache.js';
import { taskRefs } from './task-refs.js';

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
    private readonly shards: QueueShards,
    private readonly cache: ResultsCache,
    /** Most cv_results rows and tasks an event inlines. @defaultValue {@link CV_INLINE_ROWS} */
    private readonly inlineRows = CV_INLINE_ROWS,
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
    const { result, ...view } = await describeExperiment(this.store, this.cache, record, { inlineRows: this.inlineRows });
    const tasks = this.cache.plan(record).tasks;
    // A huge sweep's every task would be megabytes per event: the running ones only (a page of cv_results carries its rows' tasks).
    const partial = tasks.length > this.inlineRows;
    const shown = partial ? tasks.filter((t) => view.progress.running.some((r) => r.task === t.index)) : tasks;
    return {
      ...view,
      best_index: result?.best_index ?? record.summary?.best_index ?? null,
      has_result: result !== null,
      generation: record.generation,
      tasks: await taskRefs(this.redis, this.shards.queueOf(id), id, shown, record.generation),
      ...(partial && { tasks_partial: true }),
      queue: this.shards.labelOf(id),
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
        const { spec: _s, cv_results: _c, curves: _v, result: _r, ...item } = await describeExperiment(this.store, this.cache, record, { withResults: false });
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
}
