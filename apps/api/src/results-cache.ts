import { aggregateResults, planExperiment, type ExperimentSpec, type Plan, type SearchSummary, type TaskResult } from '@gridfold/core';
import { LruMap, storedSpec, type ExperimentRecord, type ExperimentStore } from '@gridfold/queue';

/** Settings of {@link ResultsCache}. */
export interface ResultsCacheOptions {
  /** Experiments whose plan is kept. @defaultValue 256 */
  maxPlans?: number;
  /** Running experiments whose parsed task results and partial aggregate are kept. @defaultValue 8 */
  maxRunning?: number;
  /**
   * How long a GET waits for a re-aggregation before it answers with the previous one (whose
   * progress counts are still exact), milliseconds. @defaultValue 50
   */
  waitMs?: number;
  /**
   * Least time between two re-aggregations of one experiment, milliseconds; four times the last
   * one's duration when that is longer, so a huge sweep's API spends at most a fifth of its time
   * aggregating. @defaultValue 250
   */
  minIntervalMs?: number;
}

/** The partial aggregate of a running experiment and what it was computed from. */
export interface PartialResults {
  summary: SearchSummary;
  /** Mean wall time of the tasks aggregated, milliseconds (for the ETA). */
  meanTaskMs: number | null;
}

interface Running {
  results: Map<string, TaskResult>;
  msSum: number;
  summary: SearchSummary | null;
  /** Results in `summary`. */
  counted: number;
  refreshing: Promise<void> | null;
  refreshedAt: number;
  lastCostMs: number;
}

/**
 * What the API derives from an experiment and would otherwise recompute on every GET: its plan,
 * per (id, run generation), and while it runs, its task results (each read from Redis once:
 * only the tasks that reported since are fetched) and their aggregate, recomputed only when
 * more tasks have reported, at most every `minIntervalMs`. One per app, shared by the routes
 * and the live streams.
 */
export class ResultsCache {
  private readonly plans: LruMap<string, Plan>;
  private readonly running: LruMap<string, Running>;
  private readonly waitMs: number;
  private readonly minIntervalMs: number;

  constructor(
    private readonly store: ExperimentStore,
    options: ResultsCacheOptions = {},
  ) {
    this.plans = new LruMap(options.maxPlans ?? 256);
    this.running = new LruMap(options.maxRunning ?? 8);
    this.waitMs = options.waitMs ?? 50;
    this.minIntervalMs = options.minIntervalMs ?? 250;
  }

  /** The record's plan (its stored spec was checked when it was taken; its task groups are the ones its plugins gave). */
  plan(record: Pick<ExperimentRecord, 'id' | 'spec' | 'generation'> & { groups?: number[][] }): Plan {
    return this.plans.getOrSet(`${record.id}:${record.generation}`, () => planExperiment(storedSpec(record.spec) as ExperimentSpec, { groups: record.groups }));
  }

  /**
   * The aggregate of the task results stored so far (null before any), for a running
   * experiment: the last one computed when no task has reported since, else a fresh one
   * unless computing it takes longer than `waitMs` (then the previous one, and the fresh one
   * for the next read).
   */
  async partial(record: ExperimentRecord, plan: Plan, stored: number): Promise<PartialResults | null> {
    const key = `${record.id}:${record.generation}`;
    const entry = this.running.getOrSet(key, () => ({ results: new Map(), msSum: 0, summary: null, counted: -1, refreshing: null, refreshedAt: 0, lastCostMs: 0 }));
    if (entry.counted !== stored) {
      const due = Date.now() - entry.refreshedAt >= Math.max(this.minIntervalMs, 4 * entry.lastCostMs);
      if (!entry.refreshing && (due || !entry.summary)) entry.refreshing = this.refresh(record.id, plan, entry).finally(() => (entry.refreshing = null));
      if (entry.refreshing && !entry.summary) await entry.refreshing;
      // The refresh's own error reaches the read that waits for it whole; this one only times it.
      else if (entry.refreshing) await Promise.race([entry.refreshing.catch(() => {}), new Promise((r) => setTimeout(r, this.waitMs))]);
    }
    if (!entry.summary || entry.results.size === 0) return null;
    return { summary: entry.summary, meanTaskMs: entry.msSum / entry.results.size };
  }

  /**
   * How many task results the last aggregate {@link partial} gave includes (null when none is
   * kept): fewer than are stored while a re-aggregation is due or under way, so a reader of a
   * running sweep knows to ask again.
   */
  aggregatedTasks(record: Pick<ExperimentRecord, 'id' | 'generation'>): number | null {
    const entry = this.running.get(`${record.id}:${record.generation}`);
    return entry?.summary ? entry.counted : null;
  }

  /** Drops what is kept for a running experiment once it has a stored summary or result (or is gone). */
  forgetRunning(id: string): void {
    for (const key of this.running.keys()) if (key.startsWith(`${id}:`)) this.running.delete(key);
  }

  private async refresh(id: string, plan: Plan, entry: Running): Promise<void> {
    const t0 = Date.now();
    // A stored result never changes (HSETNX) and a retry is a new generation: fetch only the new ones.
    const missing = (await this.store.taskIds(id)).filter((t) => !entry.results.has(t));
    const chunks = [];
    for (let i = 0; i < missing.length; i += 2000) chunks.push(this.store.taskResultsOf(id, missing.slice(i, i + 2000)));
    for (const chunk of await Promise.all(chunks)) {
      for (const r of chunk) {
        entry.results.set(String(r.task), r);
        entry.msSum += r.ms;
      }
    }
    entry.summary = aggregateResults(plan, entry.results.values());
    entry.counted = entry.results.size;
    entry.refreshedAt = Date.now();
    entry.lastCostMs = entry.refreshedAt - t0;
  }
}
