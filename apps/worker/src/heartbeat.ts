import type { WorkerInfo, WorkerJob, WorkerRegistry } from '@gridfold/queue';
import type { Logger } from 'pino';

/** How long a heartbeat lasts, in heartbeat intervals: two can be missed (a slow Redis, a busy host) before the worker counts as gone. */
export const HEARTBEAT_TTL_INTERVALS = 3;

/** Longest a stopping worker waits to remove its record (Redis may be unreachable). */
const STOP_WAIT_MS = 2000;

/** A job start or end is reported within this many milliseconds; a burst of short jobs makes one write. */
const TOUCH_DELAY_MS = 250;

/**
 * A worker process's heartbeat: its record in Redis (see {@link WorkerRegistry}) rewritten every
 * `intervalMs` and soon after a job starts or ends, with a time to live of
 * {@link HEARTBEAT_TTL_INTERVALS} intervals. It runs in the worker's own process, which only
 * supervises the sandboxed children that fit, so a long fit does not delay it. A failed write
 * (Redis down) is logged and the next interval tries again.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private touchTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly info: Omit<WorkerInfo, 'jobs'>,
    private readonly jobs: () => WorkerJob[],
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  /** Writes the first heartbeat now, then one every interval. */
  start(): void {
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
    void this.beat();
  }

  /** A job started or ended: the record says so within a quarter of a second. */
  touch(): void {
    if (this.stopped || this.touchTimer) return;
    this.touchTimer = setTimeout(() => {
      this.touchTimer = undefined;
      void this.beat();
    }, TOUCH_DELAY_MS);
    this.touchTimer.unref();
  }

  /** Stops beating and removes the record: the worker is no longer listed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.touchTimer);
    const removed = (async () => {
      await this.inFlight;
      await this.registry.remove(this.info.id);
    })().catch((err: Error) => this.log.warn({ err: err.message }, 'could not remove the heartbeat record; it expires by itself'));
    // Commands wait while Redis is unreachable: that must not hold up the worker's exit (the record expires by itself).
    await Promise.race([removed, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
  }

  /** One write at a time; a beat asked for while one is in flight follows it (the jobs may have changed). */
  private beat(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = (async () => {
      try {
        await this.registry.beat({ ...this.info, jobs: this.jobs() }, this.intervalMs * HEARTBEAT_TTL_INTERVALS);
        if (this.failing) this.log.info('heartbeat written again');
        this.failing = false;
      } catch (err) {
        // Logged once per outage, not at every interval.
        if (!this.failing) this.log.warn({ err: (err as Error).message }, 'could not write the heartbeat; retrying every interval');
        this.failing = true;
      } finally {
        this.inFlight = undefined;
      }
      if (this.again) {
        this.again = false;
        await this.beat();
      }
    })();
    return this.inFlight;
  }
}
