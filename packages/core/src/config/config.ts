import { availableParallelism, homedir } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { defaultDataDir } from '../datasets/paths.js';
import { TFJS_BACKENDS, type TfjsBackendName } from '../kernels/kernel-settings.js';


/** Default most fits (candidates x folds) a spec may ask for (`GRIDFOLD_MAX_CELL_FOLDS`); `MAX_CELL_FOLDS` of plan/check-search-size.ts. */
export const DEFAULT_MAX_CELL_FOLDS = 20_000;
/** Default redeliveries of a job whose worker stopped while running it (`GRIDFOLD_MAX_STALLS`). */
export const DEFAULT_MAX_STALLS = 5;
/** How logs are written: `pretty` (one line per entry, for people), `json` (pino's JSON lines), `auto` (pretty when stderr is a terminal, else JSON). */
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];
/** pino's levels, most severe first; `silent` logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Every setting of gridfold, read once per process from the environment by {@link loadConfig}
 * (each field names its variable). An unset or empty variable takes the default.
 */
export interface GridfoldConfig {
  /**
   * Redis of the API, the workers and their sandboxed processors. `REDIS_URL`: `redis://` or
   * `rediss://` for one Redis; `redis+cluster://[user:password@]host:port[,host:port...]` (or
   * `rediss+cluster://`) for a Redis Cluster, the nodes being seeds (any one that answers gives the
   * cluster's map), and every key then under the hash tag `{<GRIDFOLD_PREFIX>}`.
   * @defaultValue `"redis://127.0.0.1:6379"`
   */
  redisUrl: string;
  /** Key prefix in Redis; an API and the workers that serve it share one. `GRIDFOLD_PREFIX`. @defaultValue `"gridfold"` */
  prefix: string;
  /**
   * Native threads per fit task, aggregate and halving step (onnxruntime, trees grown at once,
   * a dense multiclass SGDClassifier's one-vs-rest problems).
   * `GRIDFOLD_THREADS`. @defaultValue unset: 1 for `gridfold worker`, cores / workers for
   * `gridfold serve`, every core for `gridfold run --local`
   */
  threads?: number;
  /** Native threads for the refit + test job, which runs alone after an experiment's tasks. `GRIDFOLD_REFIT_THREADS`. @defaultValue every core */
  refitThreads: number;
  /** Jobs one worker process runs at once, each in its own sandboxed child. `GRIDFOLD_CONCURRENCY`. @defaultValue 1 */
  concurrency: number;
  /**
   * Queue shards: BullMQ queues, each under a hash tag of its own, over which experiments spread
   * by their ids (each experiment's whole flow on one). The first API or worker of a prefix
   * stores the shards in Redis (`<prefix>:queue-shards`); every later one uses the stored ones and
   * refuses to start when this names another count. `GRIDFOLD_QUEUE_SHARDS`.
   * @defaultValue unset: the stored shards; if none yet, 1 on one Redis, one per master on a Redis Cluster
   */
  queueShards?: number;
  /** A job's lock without renewal, milliseconds: how long a dead worker's job waits to be redelivered. `GRIDFOLD_LOCK_MS`. @defaultValue 30000 */
  lockMs: number;
  /** How often a worker looks for jobs whose worker died, milliseconds. `GRIDFOLD_STALLED_MS`. @defaultValue 15000 */
  stalledMs: number;
  /**
   * Times a job may be redelivered because its worker stopped while running it (killed, out of
   * memory, crashed) before it fails for good: the next stop fails it, as a job that kills its
   * worker would otherwise kill workers forever. `GRIDFOLD_MAX_STALLS`. @defaultValue 5
   */
  maxStalls: number;
  /** Wall-clock limit of a fit task, milliseconds; a spec's `timeouts.fit_s` overrides it. `GRIDFOLD_FIT_TIMEOUT_MS`. @defaultValue 7200000 (2 h) */
  fitTimeoutMs: number;
  /** Wall-clock limit of an aggregate or halving step, milliseconds. `GRIDFOLD_AGGREGATE_TIMEOUT_MS`. @defaultValue 600000 (10 min) */
  aggregateTimeoutMs: number;
  /** Wall-clock limit of a refit + test job, milliseconds; a spec's `timeouts.refit_s` overrides it. `GRIDFOLD_REFIT_TIMEOUT_MS`. @defaultValue 14400000 (4 h) */
  refitTimeoutMs: number;
  /** How often the API looks for experiments left with no job (one API of a deployment at a time), milliseconds. `GRIDFOLD_REAPER_INTERVAL_MS`. @defaultValue 60000 */
  reaperIntervalMs: number;
  /** How long an unfinished experiment may have no job before it is failed, milliseconds. `GRIDFOLD_REAPER_GRACE_MS`. @defaultValue 300000 (5 min) */
  reaperGraceMs: number;
  /** Absolute directory that dataset paths in specs are relative to and confined to. `GRIDFOLD_DATA_DIR`. @defaultValue `./data` under the working directory */
  dataDir: string;
  /** Most task results kept in the task cache (least recently used go first). `GRIDFOLD_CACHE_MAX`. @defaultValue 200000 */
  cacheMax: number;
  /** Most bytes the task cache holds, keys plus values (least recently used go first). `GRIDFOLD_CACHE_MAX_BYTES`. @defaultValue 268435456 (256 MiB) */
  cacheMaxBytes: number;
  /** Ended experiments older than this many days are deleted by the API (one sweep per deployment, hourly); 0 keeps them forever. `GRIDFOLD_RETENTION_DAYS`. @defaultValue 0 */
  retentionDays: number;
  /** Completed BullMQ jobs kept (newest first) for Bull Board; older ones are removed as jobs finish. `GRIDFOLD_KEEP_COMPLETED_JOBS`. @defaultValue 1000 */
  keepCompletedJobs: number;
  /** Failed BullMQ jobs kept (newest first). `GRIDFOLD_KEEP_FAILED_JOBS`. @defaultValue 1000 */
  keepFailedJobs: number;
  /** Finished BullMQ jobs older than this many hours are removed, whatever their number. `GRIDFOLD_KEEP_JOBS_HOURS`. @defaultValue 168 (a week) */
  keepJobsHours: number;
  /** Most bytes all artifacts (plugin bundles, datasets) may take in Redis together. `GRIDFOLD_ARTIFACTS_MAX_BYTES`. @defaultValue 2147483648 (2 GiB) */
  artifactsMaxBytes: number;
  /** Largest single artifact, bytes. `GRIDFOLD_ARTIFACT_UPLOAD_MAX_BYTES`. @defaultValue 1073741824 (1 GiB) */
  artifactUploadMaxBytes: number;
  /** Absolute directory where a worker host keeps the artifacts it fetched from Redis. `GRIDFOLD_ARTIFACT_CACHE_DIR`. @defaultValue `~/.cache/gridfold/artifacts` */
  artifactCacheDir: string;
  /** Most bytes the local artifact cache keeps (least recently accessed go first). `GRIDFOLD_ARTIFACT_CACHE_MAX_BYTES`. @defaultValue 4294967296 (4 GiB) */
  artifactCacheMaxBytes: number;
  /** Whether specs may name code plugins (users' own estimators), which run on the workers. `GRIDFOLD_ALLOW_PLUGINS`. @defaultValue true */
  allowPlugins: boolean;
  /** When set, the API needs `Authorization: Bearer <token>` (reads too, unless `publicRead`), and the CLI sends it. `GRIDFOLD_TOKEN`. @defaultValue unset */
  token?: string;
  /** With a token, reads (experiments, event streams, dataset images, Bull Board's read-only view) need none. `GRIDFOLD_PUBLIC_READ`. @defaultValue false */
  publicRead: boolean;
  /** Let the API listen beyond loopback without a token (`--insecure`). `GRIDFOLD_INSECURE`. @defaultValue false */
  insecure: boolean;
  /** Reads (GET requests to the API and Bull Board's API) one client may make per minute. `GRIDFOLD_READS_PER_MINUTE`. @defaultValue 600 */
  readsPerMinute: number;
  /** This worker's name in an experiment's running tasks. `GRIDFOLD_WORKER_ID`. @defaultValue unset: the sandboxed processor's pid */
  workerId?: string;
  /**
   * How often a worker writes its heartbeat (host, pid, threads, running jobs) to Redis,
   * milliseconds; each lasts three times as long, so a dead worker leaves `gridfold workers`
   * and `gridfold_workers_alive` within 3 intervals. `GRIDFOLD_HEARTBEAT_MS`. @defaultValue 5000
   */
  heartbeatMs: number;
  /**
   * A token that opens `GET /metrics` and nothing else (for Prometheus and KEDA, which then need
   * not hold the API token that can submit code). `GRIDFOLD_METRICS_TOKEN`. @defaultValue unset:
   * `/metrics` is a read like the others (the API token, or open with `publicRead` or no token)
   */
  metricsToken?: string;
  /** How many of the newest experiments `GET /metrics` counts by status at each scrape. `GRIDFOLD_METRICS_EXPERIMENTS`. @defaultValue 1000 */
  metricsExperiments: number;
  /**
   * Most fits (grid cells x folds, before grouping) one submitted experiment may ask for.
   * `GRIDFOLD_MAX_CELL_FOLDS`. @defaultValue 20000 (`MAX_CELL_FOLDS`)
   */
  maxCellFolds: number;
  /** Port of the API started by `gridfold serve` / `start` (0: any free port). `PORT`. @defaultValue 3000 */
  port: number;
  /** Interface the API listens on. `HOST`. @defaultValue `"127.0.0.1"` */
  host: string;
  /** The API that `gridfold run`, `status` and `list` talk to. `GRIDFOLD_API`. @defaultValue `"http://127.0.0.1:3000"` */
  apiUrl: string;
  /** The TensorFlow.js backend of MLPClassifier, instead of the fastest that loads. `GRIDFOLD_TFJS_BACKEND`. @defaultValue unset */
  tfjsBackend?: TfjsBackendName;
  /** Log format on stderr. `GRIDFOLD_LOG_FORMAT`. @defaultValue `"auto"` */
  logFormat: LogFormat;
  /** Least severe level logged. `GRIDFOLD_LOG_LEVEL`. @defaultValue `"info"` */
  logLevel: LogLevel;
}

/** One environment variable: its name, how its text is parsed, and its value when unset. */
export interface ConfigVariable<T> {
  /** The variable's name, e.g. `GRIDFOLD_THREADS`. */
  env: string;
  /** Parses the variable's text; an issue's message says what is allowed (with the unit). */
  schema: z.ZodType<Exclude<T, undefined>>;
  /** The setting when the variable is unset or empty. */
  fallback: () => T;
}

/** One variable per field of {@link GridfoldConfig}: the compiler checks that none is missing. */
export type ConfigVariables = { [K in keyof GridfoldConfig]-?: ConfigVariable<GridfoldConfig[K]> };

/** A setting in the environment whose value is not allowed; the message names each one. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const integer = (min: number, max: number, unit: string) => {
  const allowed = `an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}${unit ? ` (${unit})` : ''}`;
  return z.coerce.number({ error: allowed }).int({ error: allowed }).min(min, { error: allowed }).max(max, { error: allowed });
};
const count = (unit: string) => integer(1, Number.MAX_SAFE_INTEGER, unit);
const UNITS: Record<string, number> = { '': 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
// Redis's own notation for memory (maxmemory 2gb): kb, mb and gb are powers of 1024.
const bytes = () => {
  const allowed = 'an integer >= 1 of bytes, or of kb, mb or gb (1024-based, as Redis reads them), e.g. 256mb';
  return z
    .string()
    .regex(/^\d+\s*(kb|mb|gb)?$/i, { error: allowed })
    .transform((text) => Number(/^\d+/.exec(text)![0]) * UNITS[text.replace(/^\d+\s*/, '').toLowerCase()])
    .pipe(z.number().int().min(1, { error: allowed }).max(Number.MAX_SAFE_INTEGER, { error: allowed }));
};
const word = z.string().regex(/^\S+$/, { error: 'text without spaces' });
const url = (protocols: string[]) =>
  z.url({ protocol: new RegExp(`^(${protocols.join('|')})$`), error: `a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}` });
const flag = z.enum(['true', 'false'], { error: 'true or false' }).transform((v) => v === 'true');
const choice = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });
const none = () => undefined;
// A Redis Cluster's seed nodes (see redisUrl); checked here, connected by @gridfold/queue's connectRedis.
const clusterUrl = z.string().regex(/^rediss?\+cluster:\/\/(?:[^@/]*@)?[^/?#@,:]+:\d{1,5}(?:,[^/?#@,:]+:\d{1,5})*\/?$/, {
  error: 'a URL starting with redis:// or rediss://, or redis+cluster://host:port[,host:port...] for a Redis Cluster',
});
// The longest delay a Node timer keeps (about 24.8 days); a longer one would fire at once.
const timerMs = integer(1, 2 ** 31 - 1, 'milliseconds');

/** Every variable gridfold reads, by the config field it sets. */
export const CONFIG_VARIABLES: ConfigVariables = {
  redisUrl: { env: 'REDIS_URL', schema: z.union([clusterUrl, url(['redis', 'rediss'])], { error: 'a URL starting with redis:// or rediss://, or redis+cluster://host:port[,host:port...] for a Redis Cluster' }), fallback: () => 'redis://127.0.0.1:6379' },
  prefix: { env: 'GRIDFOLD_PREFIX', schema: word, fallback: () => 'gridfold' },
  threads: { env: 'GRIDFOLD_THREADS', schema: count('threads'), fallback: none },
  refitThreads: { env: 'GRIDFOLD_REFIT_THREADS', schema: count('threads'), fallback: availableParallelism },
  concurrency: { env: 'GRIDFOLD_CONCURRENCY', schema: count('jobs'), fallback: () => 1 },
  queueShards: { env: 'GRIDFOLD_QUEUE_SHARDS', schema: integer(1, 64, 'queues'), fallback: none },
  lockMs: { env: 'GRIDFOLD_LOCK_MS', schema: count('milliseconds'), fallback: () => 30_000 },
  stalledMs: { env: 'GRIDFOLD_STALLED_MS', schema: count('milliseconds'), fallback: () => 15_000 },
  maxStalls: { env: 'GRIDFOLD_MAX_STALLS', schema: integer(0, 1000, 'redeliveries'), fallback: () => DEFAULT_MAX_STALLS },
  fitTimeoutMs: { env: 'GRIDFOLD_FIT_TIMEOUT_MS', schema: timerMs, fallback: () => 7_200_000 },
  aggregateTimeoutMs: { env: 'GRIDFOLD_AGGREGATE_TIMEOUT_MS', schema: timerMs, fallback: () => 600_000 },
  refitTimeoutMs: { env: 'GRIDFOLD_REFIT_TIMEOUT_MS', schema: timerMs, fallback: () => 14_400_000 },
  reaperIntervalMs: { env: 'GRIDFOLD_REAPER_INTERVAL_MS', schema: count('milliseconds'), fallback: () => 60_000 },
  reaperGraceMs: { env: 'GRIDFOLD_REAPER_GRACE_MS', schema: count('milliseconds'), fallback: () => 300_000 },
  dataDir: { env: 'GRIDFOLD_DATA_DIR', schema: z.string().transform((dir) => resolve(dir)), fallback: defaultDataDir },
  cacheMax: { env: 'GRIDFOLD_CACHE_MAX', schema: count('task results'), fallback: () => 200_000 },
  cacheMaxBytes: { env: 'GRIDFOLD_CACHE_MAX_BYTES', schema: bytes(), fallback: () => 256 * 1024 ** 2 },
  retentionDays: { env: 'GRIDFOLD_RETENTION_DAYS', schema: integer(0, 36_500, 'days; 0 keeps experiments forever'), fallback: () => 0 },
  keepCompletedJobs: { env: 'GRIDFOLD_KEEP_COMPLETED_JOBS', schema: integer(0, Number.MAX_SAFE_INTEGER, 'jobs'), fallback: () => 1000 },
  keepFailedJobs: { env: 'GRIDFOLD_KEEP_FAILED_JOBS', schema: integer(0, Number.MAX_SAFE_INTEGER, 'jobs'), fallback: () => 1000 },
  keepJobsHours: { env: 'GRIDFOLD_KEEP_JOBS_HOURS', schema: count('hours'), fallback: () => 168 },
  artifactsMaxBytes: { env: 'GRIDFOLD_ARTIFACTS_MAX_BYTES', schema: count('bytes'), fallback: () => 2 * 1024 ** 3 },
  artifactUploadMaxBytes: { env: 'GRIDFOLD_ARTIFACT_UPLOAD_MAX_BYTES', schema: count('bytes'), fallback: () => 1024 ** 3 },
  artifactCacheDir: { env: 'GRIDFOLD_ARTIFACT_CACHE_DIR', schema: z.string().transform((dir) => resolve(dir)), fallback: () => resolve(homedir(), '.cache', 'gridfold', 'artifacts') },
  artifactCacheMaxBytes: { env: 'GRIDFOLD_ARTIFACT_CACHE_MAX_BYTES', schema: count('bytes'), fallback: () => 4 * 1024 ** 3 },
  allowPlugins: { env: 'GRIDFOLD_ALLOW_PLUGINS', schema: flag, fallback: () => true },
  token: { env: 'GRIDFOLD_TOKEN', schema: z.string(), fallback: none },
  publicRead: { env: 'GRIDFOLD_PUBLIC_READ', schema: flag, fallback: () => false },
  insecure: { env: 'GRIDFOLD_INSECURE', schema: flag, fallback: () => false },
  readsPerMinute: { env: 'GRIDFOLD_READS_PER_MINUTE', schema: count('requests'), fallback: () => 600 },
  workerId: { env: 'GRIDFOLD_WORKER_ID', schema: word, fallback: none },
  heartbeatMs: { env: 'GRIDFOLD_HEARTBEAT_MS', schema: integer(100, 600_000, 'milliseconds'), fallback: () => 5000 },
  metricsToken: { env: 'GRIDFOLD_METRICS_TOKEN', schema: z.string(), fallback: none },
  metricsExperiments: { env: 'GRIDFOLD_METRICS_EXPERIMENTS', schema: integer(0, 100_000, 'experiments'), fallback: () => 1000 },
  maxCellFolds: { env: 'GRIDFOLD_MAX_CELL_FOLDS', schema: integer(1, 1_000_000, 'fits'), fallback: () => DEFAULT_MAX_CELL_FOLDS },
  port: { env: 'PORT', schema: integer(0, 65_535, ''), fallback: () => 3000 },
  host: { env: 'HOST', schema: word, fallback: () => '127.0.0.1' },
  apiUrl: { env: 'GRIDFOLD_API', schema: url(['http', 'https']), fallback: () => 'http://127.0.0.1:3000' },
  tfjsBackend: { env: 'GRIDFOLD_TFJS_BACKEND', schema: choice(TFJS_BACKENDS), fallback: none },
  logFormat: { env: 'GRIDFOLD_LOG_FORMAT', schema: choice(LOG_FORMATS), fallback: () => 'auto' },
  logLevel: { env: 'GRIDFOLD_LOG_LEVEL', schema: choice(LOG_LEVELS), fallback: () => 'info' },
};

/** An environment: variable name to text (`process.env`, or a record of the same shape). */
export type Env = Record<string, string | undefined>;

/**
 * Reads every setting from `env` once, checked. Entry points (the CLI's commands) call it at
 * startup and hand each part what it needs; nothing below them reads `process.env`.
 * @throws ConfigError naming every variable whose value is not allowed, with the value and what is allowed, on one line.
 */
export function loadConfig(env: Env = process.env): GridfoldConfig {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, variable] of Object.entries(CONFIG_VARIABLES) as Array<[string, ConfigVariable<unknown>]>) {
    const text = env[variable.env];
    if (text === undefined || text === '') {
      config[key] = variable.fallback();
      continue;
    }
    const parsed = variable.schema.safeParse(text);
    if (parsed.success) config[key] = parsed.data;
    else problems.push(`${variable.env} must be ${parsed.error.issues[0].message}, got ${JSON.stringify(text)}`);
  }
  if (problems.length) throw new ConfigError(problems.join('; '));
  return config as unknown as GridfoldConfig;
}

/**
 * The environment variables that give these settings (unset ones left out): what a process
 * hands the processes it starts, so they use its settings. {@link loadConfig} reads each
 * setting back unchanged.
 */
export function configEnv(config: Partial<GridfoldConfig>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const variable = CONFIG_VARIABLES[key as keyof GridfoldConfig];
    if (variable && value !== undefined) env[variable.env] = String(value);
  }
  return env;
}
