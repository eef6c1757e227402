import type { Redis } from 'ioredis';
import { metricKeys } from './names.js';
import { allowOom } from './redis-full.js';

/**
 * Upper bounds (seconds) of the fit task duration histogram: from a cached or tiny fit to the
 * default fit time limit (2 h). Fixed, so every worker and API agree on them.
 */
export const TASK_SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200] as const;

/**
 * Most estimator names with a histogram of their own; tasks of any further name count under
 * {@link OTHER_ESTIMATOR}. Plugins name estimators freely, so without a cap the metrics (and
 * their hash in Redis) would grow with every name ever used.
 */
export const MAX_ESTIMATOR_LABELS = 50;

/** The histogram label of estimators past {@link MAX_ESTIMATOR_LABELS}. */
export const OTHER_ESTIMATOR = 'other';

/** One estimator's fit task durations: count per bucket (not cumulative; the last is past the largest bound), their count and sum. */
export interface DurationHistogram {
  estimator: string;
  /** `TASK_SECONDS_BUCKETS.length + 1` counts: tasks in (previous bound, bound], then those beyond the last bound. */
  buckets: number[];
  count: number;
  sum: number;
}

/** What the workers have counted under a prefix. */
export interface TaskCounts {
  /** Fit tasks that ended with their result stored (once per task run, whichever worker ran it). */
  completed: number;
  /** Fit tasks that failed for good (their last attempt failed, or they may not be retried); cancelled ones are not failures. */
  failed: number;
  /** Durations of the completed tasks that were computed, per estimator, newest names capped. */
  durations: DurationHistogram[];
}

/** The index of the bucket a duration falls in: the first bound it does not exceed, or past the last one. */
export function bucketOf(seconds: number): number {
  const i = TASK_SECONDS_BUCKETS.findIndex((bound) => seconds <= bound);
  return i === -1 ? TASK_SECONDS_BUCKETS.length : i;
}

// Counters and the histogram write a few bytes whose number is bounded (two counters, at most
// MAX_ESTIMATOR_LABELS + 1 histograms of 19 fields), so they are allowed when Redis is full:
// a sweep failing for lack of memory still shows in `rate(gridfold_tasks_failed_total)`.
const COMPLETED = allowOom(`redis.call('hincrby', KEYS[1], 'tasks_completed', 1)
if ARGV[1] == '' then return 1 end
local est = ARGV[1]
if redis.call('sismember', KEYS[3], est) == 0 then
  if redis.call('scard', KEYS[3]) < tonumber(ARGV[4]) then redis.call('sadd', KEYS[3], est) else est = ARGV[5] end
end
redis.call('hincrby', KEYS[2], est .. '\\t' .. ARGV[2], 1)
redis.call('hincrby', KEYS[2], est .. '\\tcount', 1)
redis.call('hincrbyfloat', KEYS[2], est .. '\\tsum', ARGV[3])
return 1`);

/**
 * Task counts and durations in Redis, written by every worker as its tasks end and read by the
 * API's `GET /metrics`. Counts live in Redis rather than in a process, so they add up across
 * workers and survive restarts of workers and APIs: exported as Prometheus counters, `rate()`
 * gives tasks per second.
 */
export class TaskMetrics {
  private readonly k: ReturnType<typeof metricKeys>;

  constructor(
    private readonly redis: Redis,
    prefix = 'gridfold',
  ) {
    this.k = metricKeys(prefix);
  }

  /**
   * Counts one completed fit task, and when it was computed here, its wall time under its
   * estimator's name (a redelivered task whose result was already stored has none).
   */
  async taskCompleted(timing?: { estimator: string; seconds: number }): Promise<void> {
    const seconds = timing && Number.isFinite(timing.seconds) && timing.seconds >= 0 ? timing.seconds : undefined;
    await this.redis.eval(
      COMPLETED,
      3,
      this.k.counters,
      this.k.taskSeconds,
      this.k.estimators,
      seconds === undefined ? '' : timing!.estimator || OTHER_ESTIMATOR,
      seconds === undefined ? '0' : String(bucketOf(seconds)),
      seconds === undefined ? '0' : String(seconds),
      String(MAX_ESTIMATOR_LABELS),
      OTHER_ESTIMATOR,
    );
  }

  /** Counts one fit task that failed for good. */
  async taskFailed(): Promise<void> {
    await this.redis.eval(allowOom(`return redis.call('hincrby', KEYS[1], 'tasks_failed', 1)`), 1, this.k.counters);
  }

  /** Everything counted so far: two small hashes, read in one round trip. */
  async read(): Promise<TaskCounts> {
    const [[, counters], [, seconds]] = (await this.redis.multi().hgetall(this.k.counters).hgetall(this.k.taskSeconds).exec()) as [[null, Record<string, string>], [null, Record<string, string>]];
    const byEstimator = new Map<string, DurationHistogram>();
    for (const [field, value] of Object.entries(seconds ?? {})) {
      const tab = field.lastIndexOf('\t');
      const estimator = field.slice(0, tab);
      const part = field.slice(tab + 1);
      let h = byEstimator.get(estimator);
      if (!h) byEstimator.set(estimator, (h = { estimator, buckets: new Array(TASK_SECONDS_BUCKETS.length + 1).fill(0), count: 0, sum: 0 }));
      if (part === 'count') h.count = Number(value);
      else if (part === 'sum') h.sum = Number(value);
      else if (Number(part) <= TASK_SECONDS_BUCKETS.length) h.buckets[Number(part)] = Number(value);
    }
    return {
      completed: Number(counters?.tasks_completed ?? 0),
      failed: Number(counters?.tasks_failed ?? 0),
      durations: [...byEstimator.values()].sort((a, b) => a.estimator.localeCompare(b.estimator)),
    };
  }
}

/** The label of a spec's estimator in metrics: its name, or a Pipeline's steps (`Pipeline(StandardScaler,SGDClassifier)`). */
export function estimatorLabel(estimator: { name: string; steps?: Array<{ name: string }> }): string {
  return estimator.steps?.length ? `${estimator.name}(${estimator.steps.map((s) => s.name).join(',')})` : estimator.name;
}
