import { ExperimentStore, redisMemory, TASK_SECONDS_BUCKETS, TaskMetrics, WorkerRegistry, type DurationHistogram, type QueueShards } from '@gridfold/queue';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The BullMQ job states `gridfold_queue_jobs` reports, as `getJobCounts` names them. */
const JOB_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'waiting-children', 'completed', 'failed'] as const;

/**
 * A histogram whose buckets are counted elsewhere (by the workers, in Redis): prom-client's own
 * Histogram only counts what this process observes, so this one exports the snapshot it is
 * given, in the same shape (cumulative `le` buckets, `+Inf`, `_sum`, `_count` per estimator).
 */
class StoredHistogram extends Histogram<'estimator'> {
  private stored: DurationHistogram[] = [];

  constructor(
    private readonly metricName: string,
    private readonly metricHelp: string,
  ) {
    super({ name: metricName, help: metricHelp, labelNames: ['estimator'], buckets: [...TASK_SECONDS_BUCKETS], registers: [] });
  }

  set(histograms: DurationHistogram[]): void {
    this.stored = histograms;
  }

  override async get(): Promise<Awaited<ReturnType<Histogram<'estimator'>['get']>>> {
    const values = this.stored.flatMap((h) => {
      let cumulative = 0;
      const buckets = TASK_SECONDS_BUCKETS.map((bound, i) => {
        cumulative += h.buckets[i];
        return { labels: { estimator: h.estimator, le: bound }, value: cumulative, metricName: `${this.metricName}_bucket` };
      });
      return [
        ...buckets,
        { labels: { estimator: h.estimator, le: '+Inf' }, value: h.count, metricName: `${this.metricName}_bucket` },
        { labels: { estimator: h.estimator }, value: h.sum, metricName: `${this.metricName}_sum` },
        { labels: { estimator: h.estimator }, value: h.count, metricName: `${this.metricName}_count` },
      ];
    });
    // prom-client types `type` as an enum, but its registry writes the string it holds.
    return { name: this.metricName, help: this.metricHelp, type: 'histogram' as never, aggregator: 'sum', collect: () => {}, values };
  }

  /** What prom-client's registry reads when it writes the text format. */
  getForPromString() {
    return this.get();
  }
}

/** Settings of {@link metricsHandler}. */
export interface MetricsOptions {
  /** The API's connection for reads (gives up rather than waits when Redis is down). */
  redis: Redis;
  /** The queue shards, whose job counts are summed. */
  shards: QueueShards;
  prefix: string;
  /** How many of the newest experiments are counted by status at each scrape. @defaultValue 1000 */
  experimentsScanned?: number;
}

/**
 * `GET /metrics` in Prometheus' text format (prom-client's registry and formatting). Every
 * value is read from Redis at scrape time, in a handful of commands whose cost does not grow
 * with the work done: BullMQ's job counts (one command per state and queue shard), two small hashes of counters
 * and durations that the workers keep, a count of live heartbeats, the status field of the
 * newest `experimentsScanned` experiments, and INFO memory. So any number of API replicas
 * answer alike, and counters go on across API restarts.
 */
export function metricsHandler(options: MetricsOptions): RequestHandler {
  const { redis, shards, prefix } = options;
  const scanned = options.experimentsScanned ?? 1000;
  const store = new ExperimentStore(redis, prefix);
  const tasks = new TaskMetrics(redis, prefix);
  const workers = new WorkerRegistry(redis, prefix);
  const registry = new Registry();
  const registers = [registry];

  const waiting = new Gauge({
    name: 'gridfold_jobs_waiting',
    help: "Jobs ready to run that no worker has taken: BullMQ's wait list plus its prioritized set, where every gridfold job waits (fit tasks and steps have priorities), which a plain Redis-list scaler does not see. Scale workers on this.",
    registers,
  });
  const running = new Gauge({ name: 'gridfold_jobs_running', help: 'Jobs a worker is running now (BullMQ active). KEDA keeps at least this many workers.', registers });
  const queueJobs = new Gauge({ name: 'gridfold_queue_jobs', help: 'Jobs in the gridfold-jobs queue (all its shards) by BullMQ state (active: running on a worker now).', labelNames: ['state'], registers });
  const completed = new Counter({ name: 'gridfold_tasks_completed_total', help: 'Fit tasks completed with their result stored, and study trials ended complete or pruned, by every worker since the Redis prefix was first used.', registers });
  const failed = new Counter({ name: 'gridfold_tasks_failed_total', help: 'Fit tasks and study trials that failed for good (last attempt, time limit, killed; a trial also when it ended failed), by every worker; cancelled ones are not counted.', registers });
  const durations = new StoredHistogram('gridfold_task_duration_seconds', 'Wall time of computed fit tasks and study trials (all their folds) on their worker (plan, data, fit, score, store), by estimator (at most 50 names; the rest count as "other").');
  registry.registerMetric(durations);
  const alive = new Gauge({ name: 'gridfold_workers_alive', help: 'Worker processes whose heartbeat has not expired.', registers });
  const experiments = new Gauge({ name: 'gridfold_experiments', help: `Experiments by status, among the newest ${scanned} (GRIDFOLD_METRICS_EXPERIMENTS).`, labelNames: ['status'], registers });
  const stored = new Gauge({ name: 'gridfold_experiments_stored', help: 'Experiments in the store, whatever their status.', registers });
  const usedMemory = new Gauge({ name: 'gridfold_redis_used_memory_bytes', help: "Redis's used_memory.", registers });
  const maxMemory = new Gauge({ name: 'gridfold_redis_max_memory_bytes', help: "Redis's maxmemory (0: no limit).", registers });
  const cacheBytes = new Gauge({ name: 'gridfold_task_cache_bytes', help: 'Bytes the task cache holds in Redis.', registers });

  return async (_req, res, next) => {
    try {
      const [counts, counted, live, statuses, memory] = await Promise.all([
        shards.jobCounts(...JOB_STATES),
        tasks.read(),
        workers.count(),
        store.statusCounts(scanned),
        redisMemory(redis, prefix),
      ]);
      waiting.set((counts.waiting ?? 0) + (counts.prioritized ?? 0));
      running.set(counts.active ?? 0);
      for (const state of JOB_STATES) queueJobs.set({ state }, counts[state] ?? 0);
      // Counters are Redis's totals: reset and set to them at each scrape.
      completed.reset();
      completed.inc(counted.completed);
      failed.reset();
      failed.inc(counted.failed);
      durations.set(counted.durations);
      alive.set(live);
      for (const [status, n] of Object.entries(statuses.counts)) experiments.set({ status }, n);
      stored.set(statuses.total);
      usedMemory.set(memory.used_bytes);
      maxMemory.set(memory.max_bytes);
      cacheBytes.set(memory.cache_bytes);
      res.set('content-type', registry.contentType).send(await registry.metrics());
    } catch (err) {
      next(err);
    }
  };
}
