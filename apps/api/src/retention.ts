import { randomUUID } from 'node:crypto';
import { allowOom, pruneExperiments, type ExperimentStore, type PruneOutcome, type QueueShards } from '@gridfold/queue';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Settings of {@link RetentionSweeper}. */
export interface RetentionOptions {
  /** Ended experiments older than this many days are deleted; 0 turns the sweeper off. */
  retentionDays: number;
  /** Time between sweeps, milliseconds; one API of a deployment sweeps per interval. @defaultValue 3600000 (an hour) */
  intervalMs?: number;
  /** Time from start to the first sweep, milliseconds. @defaultValue 10000 */
  firstSweepMs?: number;
}

const DAY_MS = 86_400_000;

/**
 * Deletes ended experiments older than the retention period, every interval, in the API. Any
 * number of API instances may run one: each interval, the one that takes a Redis lock (held
 * for the whole interval, so the others skip it) sweeps. The lock is taken even when Redis is
 * out of memory, since deleting is then what frees it. Errors are logged; the loop goes on.
 */
export class RetentionSweeper {
  private readonly token = randomUUID();
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly deps: { redis: Redis; store: ExperimentStore; shards: QueueShards; prefix: string; log: Logger },
    private readonly options: RetentionOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 3_600_000;
  }

  /** Schedules the sweeps (none when the retention is 0). */
  start(): void {
    if (this.options.retentionDays <= 0 || this.closed) return;
    this.schedule(this.options.firstSweepMs ?? 10_000);
  }

  /**
   * One sweep, when this instance takes the lock for the interval: the experiments deleted,
   * or null when another instance holds it.
   */
  async sweep(now = Date.now()): Promise<PruneOutcome | null> {
    const taken = await this.deps.redis.eval(allowOom(`return redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])`), 1, `${this.deps.prefix}:retention:lock`, this.token, this.intervalMs);
    if (taken === null) return null;
    const done = await pruneExperiments(this.deps.store, (id) => this.deps.shards.queueOf(id), this.options.retentionDays * DAY_MS, now);
    if (done.purged.length || done.kept.length) this.deps.log.info({ purged: done.purged.length, freed_bytes: done.freed_bytes, kept: done.kept.length, retention_days: this.options.retentionDays }, 'retention sweep');
    return done;
  }

  /** Stops the loop; idempotent. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(async () => {
      try {
        await this.sweep();
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message }, 'retention sweep failed');
      }
      if (!this.closed) this.schedule(this.intervalMs);
    }, delayMs);
    this.timer.unref();
  }
}
