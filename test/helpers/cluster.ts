import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createApp, type GridfoldApp } from '@gridfold/api';
import { connectRedis, keyPrefixFor, resolveQueueShards, type ExperimentDetail, type ExperimentRecord, type ExperimentStore } from '@gridfold/queue';
import request from 'supertest';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { deletePrefix } from './delete-prefix.js';

const BIN = fileURLToPath(new URL('../../apps/cli/bin/gridfold.js', import.meta.url));
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A real worker process (its own process group, so a kill takes its sandboxed children too). */
export class WorkerProcess {
  child!: ChildProcess;
  constructor(
    readonly id: string,
    private readonly env: Record<string, string>,
    /** Appends the worker's log (JSON lines, its sandboxes' too) to this file. */
    private readonly logFile?: string,
  ) {
    this.start();
  }

  start(): void {
    const log = this.logFile ? openSync(this.logFile, 'a') : undefined;
    this.child = spawn(process.execPath, [BIN, 'worker'], {
      detached: true,
      stdio: ['ignore', 'ignore', log ?? (process.env.GRIDFOLD_TEST_LOGS ? 'inherit' : 'ignore')],
      env: { ...process.env, ...this.env, GRIDFOLD_WORKER_ID: this.id, ...(log === undefined ? {} : { GRIDFOLD_LOG_FORMAT: 'json' }) },
    });
    if (log !== undefined) closeSync(log);
  }

  /** pids of the worker's sandboxed processors (its child processes running BullMQ's child main). */
  sandboxes(): number[] {
    const pids = [];
    for (const d of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        // tsx may also have its esbuild service running as a child; only BullMQ's count.
        if (ppid === this.child.pid && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('bullmq')) pids.push(Number(d));
      } catch {
        // the process ended while we looked
      }
    }
    return pids;
  }

  /** Sends `signal` to the worker's process group without waiting, e.g. SIGSTOP to freeze it and SIGCONT to let it go on. */
  signal(signal: NodeJS.Signals): void {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // it ended meanwhile
    }
  }

  /** SIGKILL the worker and its sandboxed children, as a dying host would. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    // A group that ended before the signal still emits its exit.
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.signal(signal);
    return exited;
  }
}

/** Worker process settings for tests: short locks make a killed worker's task come back fast. */
export interface WorkerOptions {
  lockMs?: number;
  stalledMs?: number;
  dataDir?: string;
  /** Jobs each worker runs at once (one sandboxed child per job). @defaultValue 1 */
  concurrency?: number;
  /** More gridfold variables for the worker processes, e.g. `{ GRIDFOLD_KEEP_COMPLETED_JOBS: '0' }`. */
  env?: Record<string, string>;
  /** Appends every worker's log (JSON lines) to this file, e.g. to count task executions from outside Redis. */
  logFile?: string;
}

/**
 * An API (in-process, via createApp) and worker processes sharing one unique key prefix. With
 * `REDIS_URL=redis+cluster://...` it runs on a Redis Cluster, and the prefix is hash-tagged.
 */
export class TestCluster {
  readonly prefix: string;
  readonly redis: Redis;
  api: GridfoldApp;
  readonly workers: WorkerProcess[] = [];

  readonly redisUrl: string;
  private readonly workerOptions: WorkerOptions;
  /** The queue shards the API uses: `[prefix]` until {@link useQueueShards}. */
  private queueShards: string[] | undefined;

  constructor(options: { workers: number; redisUrl?: string; dataDir?: string } & WorkerOptions) {
    this.redisUrl = options.redisUrl ?? REDIS_URL;
    this.redis = connectRedis(this.redisUrl);
    this.prefix = keyPrefixFor(this.redis, `test-${randomUUID()}`);
    this.workerOptions = options;
    this.api = this.newApi();
    for (let i = 0; i < options.workers; i++) this.addWorker();
  }

  /** A fresh API instance on the same Redis and prefix (the API keeps no state of its own). */
  newApi(): GridfoldApp {
    return createApp({
      redis: this.redis,
      prefix: this.prefix,
      queueShards: this.queueShards,
      logger: pino({ level: process.env.GRIDFOLD_TEST_LOGS ? 'info' : 'silent' }),
      limits: this.workerOptions.dataDir ? { dataDir: this.workerOptions.dataDir } : undefined,
    });
  }

  /**
   * Gives the API the prefix's queue shards as `gridfold serve` and the workers resolve them
   * (stored in Redis by the first; on a cluster one per master by default): a new API replaces it.
   */
  async useQueueShards(): Promise<void> {
    this.queueShards = await resolveQueueShards(this.redis, this.prefix);
    await this.api.close();
    this.api = this.newApi();
  }

  addWorker(options: WorkerOptions = this.workerOptions): WorkerProcess {
    const w = new WorkerProcess(`w${this.workers.length + 1}`, {
      REDIS_URL: this.redisUrl,
      GRIDFOLD_PREFIX: this.prefix,
      ...(options.dataDir ? { GRIDFOLD_DATA_DIR: options.dataDir } : {}),
      GRIDFOLD_THREADS: '1',
      GRIDFOLD_LOCK_MS: String(options.lockMs ?? 30_000),
      GRIDFOLD_STALLED_MS: String(options.stalledMs ?? 15_000),
      GRIDFOLD_CONCURRENCY: String(options.concurrency ?? 1),
      ...options.env,
    }, options.logFile);
    this.workers.push(w);
    return w;
  }

  /** Polls the API until experiment `id` has ended (completed, failed or cancelled); resolves with its view. */
  ended(id: string, timeoutMs = 120_000): Promise<any> {
    return waitFor(async () => {
      const r = await request(this.api.app).get(`/api/experiments/${id}`);
      return ['completed', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
    }, timeoutMs, `experiment ${id} to end`);
  }

  /** Kills the workers, closes queues and deletes every key under the prefix. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.kill('SIGKILL')));
    await this.api.close();
    await deletePrefix(this.redis, this.prefix);
    this.redis.disconnect();
  }
}

export { deletePrefix };

/**
 * Submits a spec through the cluster's API and waits until the experiment ends (completed,
 * failed or cancelled); returns its final view, `result` included.
 */
export async function runToEnd(cluster: TestCluster, spec: object, timeoutMs = 120_000): Promise<ExperimentDetail> {
  const { body } = await request(cluster.api.app).post('/api/experiments').send(spec).expect(201);
  return waitFor(
    async () => {
      const view = (await request(cluster.api.app).get(`/api/experiments/${body.id}`).expect(200)).body as ExperimentDetail;
      return ['completed', 'failed', 'cancelled'].includes(view.status) ? view : undefined;
    },
    timeoutMs,
    `experiment ${body.id} to end`,
  );
}

/**
 * Polls `check` every `intervalMs` until it returns a value (not undefined) or `timeoutMs`
 * passes. Poll faster than the default where the moment matters (a fault to inject right
 * after the first result).
 */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Experiment `id` as `GET /api/experiments/:id` shows it, once it has ended (completed, failed or cancelled). */
export function viewWhenEnded(app: GridfoldApp['app'], id: string, timeoutMs: number): Promise<any> {
  return waitFor(async () => {
    const r = await request(app).get(`/api/experiments/${id}`);
    return ['completed', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
  }, timeoutMs, `experiment ${id} to end`);
}

/** Experiment `id`'s stored record once it has ended. */
export function recordWhenEnded(store: ExperimentStore, id: string, timeoutMs: number): Promise<ExperimentRecord> {
  return waitFor(async () => {
    const r = await store.get(id);
    return r && store.isTerminal(r.status) ? r : undefined;
  }, timeoutMs, `experiment ${id} to end`);
}
