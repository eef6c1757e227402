import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configEnv, createLogger, resolveLogFormat, type GridfoldConfig } from '@gridfold/core';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { ensureRedis, type RedisHandle } from '../redis-setup.js';

/** A running `gridfold serve`: API, local workers, maybe a private Redis, and its logger. */
export interface Served {
  url: string;
  redisUrl: string;
  workers: ChildProcess[];
  log: Logger;
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL('../../bin/gridfold.js', import.meta.url));

/**
 * Starts the API (on `config.host`:`config.port`) and `workers` local worker processes. Each
 * worker gets `config.threads`, else max(1, cores / workers) native threads so workers x
 * threads does not oversubscribe. The log format is decided here, once, and handed to the
 * workers with the rest of the settings: their stderr may be a terminal when ours is a pipe.
 */
export async function serve(config: GridfoldConfig, workers: number): Promise<Served> {
  // Imported here so that `gridfold worker` processes do not load the API (Express, Bull Board).
  const { startApi, checkListen } = await import('@gridfold/api');
  // Before anything starts: an API that may not listen where it is asked to leaves nothing behind.
  const insecure = checkListen(config);
  const settings: GridfoldConfig = { ...config, logFormat: resolveLogFormat(config.logFormat) };
  const log = createLogger(settings, 'cli');
  if (insecure) log.warn(insecure);
  const redis: RedisHandle = await ensureRedis(config.redisUrl, (m) => log.info(m));
  const threads = config.threads ?? Math.max(1, Math.floor(availableParallelism() / Math.max(1, workers)));
  const children = Array.from({ length: workers }, (_, i) =>
    startWorkerProcess({ ...settings, redisUrl: redis.url, threads, workerId: `local-${i + 1}` }),
  );
  const api = await startApi({ ...settings, redisUrl: redis.url, logger: createLogger(settings, 'api') });
  // The port it got: `--port 0` asks the system for a free one.
  const address = api.server.address();
  const port = address !== null && typeof address === 'object' ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  log.info(
    { url, workers, threads, redis: redis.url },
    `gridfold API at ${url} · Bull Board at ${url}/admin/queues · ${workers} worker(s) x ${threads} thread(s) · Redis ${redis.url}`,
  );
  let stopping: Promise<void> | undefined;
  return {
    url,
    redisUrl: redis.url,
    workers: children,
    log,
    stop() {
      stopping ??= (async () => {
        await Promise.all(children.map((w) => new Promise<void>((resolve) => (w.exitCode !== null ? resolve() : (w.once('exit', () => resolve()), w.kill('SIGTERM'))))));
        await api.close();
        redis.stop();
      })();
      return stopping;
    },
  };
}

/** A `gridfold worker` process with exactly these settings (they override its environment). */
function startWorkerProcess(config: GridfoldConfig): ChildProcess {
  return spawn(process.execPath, [BIN, 'worker'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...configEnv(config) },
  });
}

/** Keeps the process up until Ctrl-C / SIGTERM, then stops everything. */
export function stayUp(served: Served): void {
  const stop = () => void served.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** The flags `serve` and `start` share, applied over the config. */
export interface ServeFlags {
  workers: number;
  port: number;
  host: string;
  json?: boolean;
  insecure?: boolean;
}

/** `config` with the command line's port, host, `--json` (JSON logs) and `--insecure` applied. */
export function withFlags(config: GridfoldConfig, flags: ServeFlags): GridfoldConfig {
  return { ...config, port: flags.port, host: flags.host, logFormat: flags.json ? 'json' : config.logFormat, insecure: flags.insecure || config.insecure };
}

/** The `--insecure` option of `serve` and `start`. */
export const INSECURE_HELP = 'listen beyond loopback without a token (GRIDFOLD_INSECURE=true): anyone who reaches the port can read, submit and use Bull Board';

export function registerServe(program: Command, config: GridfoldConfig): void {
  program
    .command('serve')
    .description('start the API and N local worker processes')
    .option('--workers <n>', 'local worker processes (0: the API alone)', parseCount, 2)
    .option('--port <port>', 'API port', parseCount, config.port)
    .option('--host <host>', 'API host', config.host)
    .option('--json', 'log JSON lines, also on a terminal')
    .option('--insecure', INSECURE_HELP)
    .action(async (flags: ServeFlags) => stayUp(await serve(withFlags(config, flags), flags.workers)));

  program
    .command('worker')
    .description('start one worker process (uses REDIS_URL)')
    .action(async () => {
      const { runWorkerMain } = await import('@gridfold/worker');
      await runWorkerMain(config);
    });
}

/** Parses a non-negative integer option; the error names the value. */
export function parseCount(value: string): number {
  // Digits only: Number() would read "" and " " as 0 and "1e3" or "0x10" as other numbers.
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`expected a whole number >= 0, got ${JSON.stringify(value)}`);
  return n;
}
