import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ensureRedis, type RedisHandle } from '../redis-setup.js';

/** A running `gridfold serve`: API, local workers, maybe a private Redis. */
export interface Served {
  url: string;
  redisUrl: string;
  workers: ChildProcess[];
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL('../../bin/gridfold.js', import.meta.url));

/**
 * Starts the API and `workers` local worker processes. Each worker gets
 * max(1, cores / workers) native threads so workers x threads does not oversubscribe.
 */
export async function serve(options: { workers: number; port: number; host: string }, log = (m: string) => process.stderr.write(`${m}\n`)): Promise<Served> {
  const redis: RedisHandle = await ensureRedis(log);
  // GRIDFOLD_THREADS, when set, wins: e.g. one thread per worker to measure worker scaling.
  const threads = Number(process.env.GRIDFOLD_THREADS) || Math.max(1, Math.floor(availableParallelism() / Math.max(1, options.workers)));
  const workers = Array.from({ length: options.workers }, (_, i) => startWorkerProcess(i, threads));
  // Imported here so that `gridfold worker` processes do not load the API (Express, Bull Board).
  const { startApi } = await import('@gridfold/api');
  const api = await startApi({ port: options.port, host: options.host });
  const url = `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${options.port}`;
  if (options.host !== '127.0.0.1' && options.host !== 'localhost' && !process.env.GRIDFOLD_TOKEN) {
    log(`warning: the API listens on ${options.host} without a token; set GRIDFOLD_TOKEN to require "Authorization: Bearer <token>"`);
  }
  log(`gridfold API at ${url} · Bull Board at ${url}/admin/queues · ${options.workers} worker(s) x ${threads} thread(s) · Redis ${redis.url}`);
  let stopping: Promise<void> | undefined;
  return {
    url,
    redisUrl: redis.url,
    workers,
    stop() {
      stopping ??= (async () => {
        await Promise.all(workers.map((w) => new Promise<void>((resolve) => (w.exitCode !== null ? resolve() : (w.once('exit', () => resolve()), w.kill('SIGTERM'))))));
        await api.close();
        redis.stop();
      })();
      return stopping;
    },
  };
}

function startWorkerProcess(index: number, threads: number): ChildProcess {
  return spawn(process.execPath, [BIN, 'worker'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GRIDFOLD_THREADS: String(threads), GRIDFOLD_WORKER_ID: `local-${index + 1}` },
  });
}

/** Keeps the process up until Ctrl-C / SIGTERM, then stops everything. */
export function stayUp(served: Served): void {
  const stop = () => void served.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the API and N local worker processes')
    .option('--workers <n>', 'local worker processes (0: the API alone)', parseCount, 2)
    .option('--port <port>', 'API port', parseCount, Number(process.env.PORT ?? 3000))
    .option('--host <host>', 'API host', process.env.HOST ?? '127.0.0.1')
    .action(async (flags: { workers: number; port: number; host: string }) => stayUp(await serve(flags)));

  program
    .command('worker')
    .description('start one worker process (uses REDIS_URL)')
    .action(async () => {
      const { runWorkerMain } = await import('@gridfold/worker');
      await runWorkerMain();
    });
}

/** Parses a non-negative integer option; the error names the value. */
export function parseCount(value: string): number {
  // Digits only: Number() would read "" and " " as 0 and "1e3" or "0x10" as other numbers.
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`expected a whole number >= 0, got ${JSON.stringify(value)}`);
  return n;
}
