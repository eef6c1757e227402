import type { Redis } from 'ioredis';
import type { JobKind } from './flow.js';
import { workerKeys } from './names.js';
import { allowOom } from './redis-full.js';

/** A job a worker is running: its BullMQ id, kind, experiment, task (fit jobs), and since when (the worker's clock, ms). */
export interface WorkerJob {
  job: string;
  kind: JobKind;
  experiment: string;
  task?: number;
  since: number;
}

/** What a worker process says about itself in each heartbeat. */
export interface WorkerInfo {
  /** Unique per process: `<host>:<pid>`. */
  id: string;
  /** `GRIDFOLD_WORKER_ID`, the name its tasks show in an experiment's progress; null when unset (each sandboxed process then names itself by its pid). */
  name: string | null;
  host: string;
  pid: number;
  /** Jobs it runs at once. */
  concurrency: number;
  /** Native threads per fit task. */
  threads: number;
  /** Native threads of a refit. */
  refit_threads: number;
  /** When the process started its worker (its clock, ms since the epoch). */
  started_at: number;
  /** The jobs it is running now. */
  jobs: WorkerJob[];
}

/** A live worker as the API lists it: what it said, and when its last heartbeat reached Redis (Redis's clock). */
export interface WorkerRecord extends WorkerInfo {
  /** When its last heartbeat was written, ms since the epoch by Redis's clock. */
  heartbeat_at: number;
  /** How long ago that was, ms (Redis's clock, so hosts' clocks do not matter). */
  heartbeat_age_ms: number;
  /** How long a heartbeat lasts: past `heartbeat_at + ttl_ms` without another, the worker is gone. */
  ttl_ms: number;
}

/** `GET /api/workers`. */
export interface WorkerList {
  workers: WorkerRecord[];
}

/** Most workers a listing returns (the count of live workers is exact whatever their number). */
export const MAX_LISTED_WORKERS = 1000;

// A heartbeat is a few hundred bytes that replace the last ones, so it is written even when
// Redis is full: the workers of a stuck deployment stay visible. Times are Redis's own, so
// liveness does not depend on the clocks of the worker and API hosts agreeing.
const BEAT = allowOom(`local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('del', KEYS[2])
redis.call('hset', KEYS[2], 'info', ARGV[3], 'heartbeat_at', now, 'ttl_ms', ttl)
redis.call('pexpire', KEYS[2], ttl)
redis.call('zadd', KEYS[1], now + ttl, ARGV[1])
redis.call('zremrangebyscore', KEYS[1], '-inf', now)
return now`);

/**
 * Worker heartbeats in Redis: each worker process rewrites its record every few seconds with a
 * time to live, so a worker that died (killed, its host gone) disappears within that time, and
 * one that stops cleanly removes its record at once. What Redis holds is bounded by the live
 * workers: a record per worker that expires, and an index pruned at every heartbeat.
 */
export class WorkerRegistry {
  private readonly k: ReturnType<typeof workerKeys>;

  constructor(
    private readonly redis: Redis,
    prefix = 'gridfold',
  ) {
    this.k = workerKeys(prefix);
  }

  /** Writes a worker's heartbeat, valid for `ttlMs`; returns when (Redis's clock, ms). */
  async beat(info: WorkerInfo, ttlMs: number): Promise<number> {
    return Number(await this.redis.eval(BEAT, 2, this.k.index, this.k.worker(info.id), info.id, String(ttlMs), JSON.stringify(info)));
  }

  /** Removes a worker's record (it is stopping). */
  async remove(id: string): Promise<void> {
    await this.redis.multi().del(this.k.worker(id)).zrem(this.k.index, id).exec();
  }

  /** Redis's clock, ms since the epoch. */
  private async now(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  /** How many workers have a live heartbeat. */
  async count(): Promise<number> {
    return this.redis.zcount(this.k.index, `(${await this.now()}`, '+inf');
  }

  /** The live workers (at most {@link MAX_LISTED_WORKERS}), by host then pid. */
  async list(): Promise<WorkerRecord[]> {
    const now = await this.now();
    const ids = await this.redis.zrangebyscore(this.k.index, `(${now}`, '+inf', 'LIMIT', 0, MAX_LISTED_WORKERS);
    if (!ids.length) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.k.worker(id));
    const replies = (await pipeline.exec()) ?? [];
    const workers: WorkerRecord[] = [];
    for (const [err, h] of replies as Array<[Error | null, Record<string, string>]>) {
      // Expired between the two reads, or written by something else: not a live worker.
      if (err || !h?.info) continue;
      const heartbeatAt = Number(h.heartbeat_at);
      workers.push({ ...(JSON.parse(h.info) as WorkerInfo), heartbeat_at: heartbeatAt, heartbeat_age_ms: Math.max(0, now - heartbeatAt), ttl_ms: Number(h.ttl_ms) });
    }
    return workers.sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid);
  }
}
