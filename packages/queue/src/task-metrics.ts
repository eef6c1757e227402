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
// ARGV: completed, failed, the label cap, the overflow label, then per estimator its name, count,
// sum, number of buckets and (bucket, count) pairs.
const COUNT = allowOom(`if ARGV[1] ~= '0' then redis.call('hincrby', KEYS[1], 'tasks_completed', ARGV[1]) end
if ARGV[2] ~= '0' then redis.call('hincrby', KEYS[1], 'tasks_failed', ARGV[2]) end
local i = 5
while i <= #ARGV do
  local est = ARGV[i]
  if redis.call('sismember', KEYS[3], est) == 0 then
    if redis.call('scard', KEYS[3]) < tonumber(ARGV[3]) then redis.call('sadd', KEYS[3], est) else est = ARGV[4] end
  end
  redis.call('hincrby', KEYS[2], est .. '\\tcount', ARGV[i + 1])
  redis.call('hincrbyfloat', KEYS[2], est .. '\\tsum', ARGV[i + 2])
  local n = tonumber(ARGV[i + 3])
  for j = 1, n do redis.call('hincrby', KEYS[2], est .. '\\t' .. ARGV[i + 2 + 2 * j], ARGV[i + 3 + 2 * j]) end
  i = i + 4 + 2 * n
end
return 1`);

/** Counts not yet written: totals, and per estimator its duration count, sum and bucket counts. */
interface Tally {
  completed: number;
  failed: number;
  durations: Map<string, { count: number; sum: number; buckets: Map<number, number> }>;
}

const emptyTally = (): Tally => ({ completed: 0, failed: 0, durations: new Map() });

/**
 * Task counts and durations in Redis, written by every worker as its tasks end and read by the
 * API's `GET /metrics`. Counts live in Redis rather than in a process, so they add up across
 * workers and survive restarts of workers and APIs: exported as Prometheus counters, `rate()`
 * gives tasks per second.
 *
 * A worker's counts are written at most once per {@link flushMs}: the first count after a quiet
 * spell at once, the ones that follow within the interval together at its end (one script
 * instead of one per task: at tasks of 0.1 s that was a Redis call a task, for a figure that
 * Prometheus scrapes every 15 s or so). {@link close} writes what is left.
 */
export class TaskMetrics {
  private readonly k: ReturnType<typeof metricKeys>;
  private tally = emptyTally();
  private lastFlush = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The write the counts made since the last one will be part of, once the interval ends. */
  private next: { done: Promise<void>; start: () => void } | undefined;
  private writing: Promise<void> = Promise.resolve();

  /**
   * @param flushMs - longest a count waits before it is written, milliseconds; 0 writes each at once (a failed write loses its counts: metrics must not fail a job). @defaultValue 0
   */
  constructor(
    private readonly redis: Redis,
    prefix = 'gridfold',
    private readonly flushMs = 0,
  ) {
    this.k = metricKeys(prefix);
  }

  /**
   * Counts one completed fit task, and when it was computed here, its wall time under its
   * estimator's name (a redelivered task whose result was already stored has none). Resolves
   * once the count is written, which with a flush interval may be up to that interval later.
   */
  taskCompleted(timing?: { estimator: string; seconds: number }): Promise<void> {
    this.tally.completed++;
    const seconds = timing && Number.isFinite(timing.seconds) && timing.seconds >= 0 ? timing.seconds : undefined;
    if (seconds !== undefined) {
      const name = timing!.estimator || OTHER_ESTIMATOR;
      let d = this.tally.durations.get(name);
      if (!d) this.tally.durations.set(name, (d = { count: 0, sum: 0, buckets: new Map() }));
      d.count++;
      d.sum += seconds;
      const b = bucketOf(seconds);
      d.buckets.set(b, (d.buckets.get(b) ?? 0) + 1);
    }
    return this.schedule();
  }

  /** Counts one fit task that failed for good. */
  taskFailed(): Promise<void> {
    this.tally.failed++;
    return this.schedule();
  }

  /** Writes the counts not yet written, and stops the interval's timer. Idempotent. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.next) this.next.start();
    await this.flush().catch(() => {});
  }

  private schedule(): Promise<void> {
    if (this.next) return this.next.done;
    const wait = this.lastFlush + this.flushMs - Date.now();
    if (wait <= 0) return this.flush();
    let start!: () => void;
    const done = new Promise<void>((resolve, reject) => {
      start = () => {
        this.next = undefined;
        this.flush().then(resolve, reject);
      };
    });
    this.next = { done, start };
    this.timer = setTimeout(() => {
      this.timer = undefined;
      start();
    }, wait);
    this.timer.unref();
    return done;
  }

  /** Writes the tally in one script, after any write still under way (counts stay in order). */
  private flush(): Promise<void> {
    const t = this.tally;
    this.tally = emptyTally();
    this.lastFlush = Date.now();
    if (t.completed === 0 && t.failed === 0) return this.writing;
    const args: string[] = [String(t.completed), String(t.failed), String(MAX_ESTIMATOR_LABELS), OTHER_ESTIMATOR];
    for (const [name, d] of t.durations) {
      args.push(name, String(d.count), String(d.sum), String(d.buckets.size));
      for (const [b, n] of d.buckets) args.push(String(b), String(n));
    }
    const write = this.writing.then(() => this.redis.eval(COUNT, 3, this.k.counters, this.k.taskSeconds, this.k.estimators, ...args)).then(() => {});
    this.writing = write.catch(() => {});
    return write;
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
