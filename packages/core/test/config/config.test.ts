import { readFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, configEnv, loadConfig, type GridfoldConfig } from '../../src/config/config.js';

// A value other than the default for every variable, and the setting it must become.
const EVERY_VARIABLE: Record<string, string> = {
  REDIS_URL: 'rediss://user:pw@redis.internal:6380/2',
  GRIDFOLD_PREFIX: '{gridfold-test}',
  GRIDFOLD_QUEUE_SHARDS: '3',
  GRIDFOLD_THREADS: '3',
  GRIDFOLD_REFIT_THREADS: '7',
  GRIDFOLD_CONCURRENCY: '2',
  GRIDFOLD_LOCK_MS: '5000',
  GRIDFOLD_STALLED_MS: '2500',
  GRIDFOLD_MAX_STALLS: '2',
  GRIDFOLD_FIT_TIMEOUT_MS: '60000',
  GRIDFOLD_AGGREGATE_TIMEOUT_MS: '30000',
  GRIDFOLD_REFIT_TIMEOUT_MS: '90000',
  GRIDFOLD_REAPER_INTERVAL_MS: '1000',
  GRIDFOLD_REAPER_GRACE_MS: '5000',
  GRIDFOLD_DATA_DIR: 'some/data',
  GRIDFOLD_CACHE_MAX: '10',
  GRIDFOLD_CACHE_MAX_BYTES: '64mb',
  GRIDFOLD_RETENTION_DAYS: '30',
  GRIDFOLD_KEEP_COMPLETED_JOBS: '0',
  GRIDFOLD_KEEP_FAILED_JOBS: '50',
  GRIDFOLD_KEEP_JOBS_HOURS: '24',
  GRIDFOLD_ARTIFACTS_MAX_BYTES: '4096',
  GRIDFOLD_ARTIFACT_UPLOAD_MAX_BYTES: '1024',
  GRIDFOLD_ARTIFACT_CACHE_DIR: 'some/cache',
  GRIDFOLD_ARTIFACT_CACHE_MAX_BYTES: '8192',
  GRIDFOLD_ALLOW_PLUGINS: 'false',
  GRIDFOLD_TOKEN: 's3cret token',
  GRIDFOLD_PUBLIC_READ: 'true',
  GRIDFOLD_INSECURE: 'true',
  GRIDFOLD_READS_PER_MINUTE: '60',
  GRIDFOLD_WORKER_ID: 'host-a',
  GRIDFOLD_HEARTBEAT_MS: '1500',
  GRIDFOLD_METRICS_TOKEN: 'scrape me',
  GRIDFOLD_METRICS_EXPERIMENTS: '0',
  GRIDFOLD_MAX_CELL_FOLDS: '100000',
  PORT: '0',
  HOST: '0.0.0.0',
  GRIDFOLD_API: 'https://gridfold.example:8443/',
  GRIDFOLD_TFJS_BACKEND: 'cpu',
  GRIDFOLD_LOG_FORMAT: 'json',
  GRIDFOLD_LOG_LEVEL: 'debug',
};
const PARSED: GridfoldConfig = {
  redisUrl: 'rediss://user:pw@redis.internal:6380/2',
  prefix: '{gridfold-test}',
  queueShards: 3,
  threads: 3,
  refitThreads: 7,
  concurrency: 2,
  lockMs: 5000,
  stalledMs: 2500,
  maxStalls: 2,
  fitTimeoutMs: 60_000,
  aggregateTimeoutMs: 30_000,
  refitTimeoutMs: 90_000,
  reaperIntervalMs: 1000,
  reaperGraceMs: 5000,
  dataDir: resolve('some/data'),
  cacheMax: 10,
  cacheMaxBytes: 64 * 1024 * 1024,
  retentionDays: 30,
  keepCompletedJobs: 0,
  keepFailedJobs: 50,
  keepJobsHours: 24,
  artifactsMaxBytes: 4096,
  artifactUploadMaxBytes: 1024,
  artifactCacheDir: resolve('some/cache'),
  artifactCacheMaxBytes: 8192,
  allowPlugins: false,
  token: 's3cret token',
  publicRead: true,
  insecure: true,
  readsPerMinute: 60,
  workerId: 'host-a',
  heartbeatMs: 1500,
  metricsToken: 'scrape me',
  metricsExperiments: 0,
  maxCellFolds: 100000,
  port: 0,
  host: '0.0.0.0',
  apiUrl: 'https://gridfold.example:8443/',
  tfjsBackend: 'cpu',
  logFormat: 'json',
  logLevel: 'debug',
};

describe('loadConfig', () => {
  it('gives every default when the environment sets nothing, or sets a variable empty', () => {
    const defaults: GridfoldConfig = {
      redisUrl: 'redis://127.0.0.1:6379',
      prefix: 'gridfold',
      threads: undefined,
      refitThreads: availableParallelism(),
      concurrency: 1,
      lockMs: 30_000,
      stalledMs: 15_000,
      maxStalls: 5,
      fitTimeoutMs: 7_200_000,
      aggregateTimeoutMs: 600_000,
      refitTimeoutMs: 14_400_000,
      reaperIntervalMs: 60_000,
      reaperGraceMs: 300_000,
      dataDir: resolve('data'),
      cacheMax: 200_000,
      cacheMaxBytes: 256 * 1024 * 1024,
      retentionDays: 0,
      keepCompletedJobs: 1000,
      keepFailedJobs: 1000,
      keepJobsHours: 168,
      artifactsMaxBytes: 2 * 1024 ** 3,
      artifactUploadMaxBytes: 1024 ** 3,
      artifactCacheDir: resolve(homedir(), '.cache/gridfold/artifacts'),
      artifactCacheMaxBytes: 4 * 1024 ** 3,
      allowPlugins: true,
      token: undefined,
      publicRead: false,
      insecure: false,
      readsPerMinute: 600,
      workerId: undefined,
      heartbeatMs: 5000,
      metricsToken: undefined,
      metricsExperiments: 1000,
      maxCellFolds: 20000,
      port: 3000,
      host: '127.0.0.1',
      apiUrl: 'http://127.0.0.1:3000',
      tfjsBackend: undefined,
      logFormat: 'auto',
      logLevel: 'info',
    };
    expect(loadConfig({})).toEqual(defaults);
    expect(loadConfig(Object.fromEntries(Object.keys(EVERY_VARIABLE).map((name) => [name, ''])))).toEqual(defaults);
  });

  it('parses every variable it knows', () => {
    expect(Object.keys(EVERY_VARIABLE).sort()).toEqual(Object.values(CONFIG_VARIABLES).map((v) => v.env).sort());
    expect(loadConfig(EVERY_VARIABLE)).toEqual(PARSED);
  });

  it('takes a Redis Cluster URL with several seed nodes and credentials', () => {
    const url = 'rediss+cluster://user:pw@10.0.0.1:7000,10.0.0.2:7001';
    expect(loadConfig({ REDIS_URL: url }).redisUrl).toBe(url);
  });

  it('ignores variables that are not its own', () => {
    expect(loadConfig({ PATH: '/usr/bin', GRIDFOLD_THREADZ: 'x' })).toEqual(loadConfig({}));
  });

  it.each([
    ['GRIDFOLD_THREADS', 'abc', 'GRIDFOLD_THREADS must be an integer >= 1 (threads), got "abc"'],
    ['GRIDFOLD_THREADS', '0', 'GRIDFOLD_THREADS must be an integer >= 1 (threads), got "0"'],
    ['GRIDFOLD_REFIT_THREADS', '1.5', 'GRIDFOLD_REFIT_THREADS must be an integer >= 1 (threads), got "1.5"'],
    ['GRIDFOLD_CONCURRENCY', 'two', 'GRIDFOLD_CONCURRENCY must be an integer >= 1 (jobs), got "two"'],
    ['GRIDFOLD_LOCK_MS', '-1', 'GRIDFOLD_LOCK_MS must be an integer >= 1 (milliseconds), got "-1"'],
    ['GRIDFOLD_STALLED_MS', '15s', 'GRIDFOLD_STALLED_MS must be an integer >= 1 (milliseconds), got "15s"'],
    ['GRIDFOLD_CACHE_MAX', 'Infinity', 'GRIDFOLD_CACHE_MAX must be an integer >= 1 (task results), got "Infinity"'],
    ['GRIDFOLD_PUBLIC_READ', 'yes', 'GRIDFOLD_PUBLIC_READ must be true or false, got "yes"'],
    ['GRIDFOLD_INSECURE', '1', 'GRIDFOLD_INSECURE must be true or false, got "1"'],
    ['GRIDFOLD_READS_PER_MINUTE', '0', 'GRIDFOLD_READS_PER_MINUTE must be an integer >= 1 (requests), got "0"'],
    ['GRIDFOLD_CACHE_MAX_BYTES', '1.5gb', 'GRIDFOLD_CACHE_MAX_BYTES must be an integer >= 1 of bytes, or of kb, mb or gb (1024-based, as Redis reads them), e.g. 256mb, got "1.5gb"'],
    ['GRIDFOLD_RETENTION_DAYS', '-1', 'GRIDFOLD_RETENTION_DAYS must be an integer from 0 to 36500 (days; 0 keeps experiments forever), got "-1"'],
    ['GRIDFOLD_KEEP_JOBS_HOURS', '0', 'GRIDFOLD_KEEP_JOBS_HOURS must be an integer >= 1 (hours), got "0"'],
    ['GRIDFOLD_ARTIFACTS_MAX_BYTES', '2GiB', 'GRIDFOLD_ARTIFACTS_MAX_BYTES must be an integer >= 1 (bytes), got "2GiB"'],
    ['GRIDFOLD_ALLOW_PLUGINS', 'no', 'GRIDFOLD_ALLOW_PLUGINS must be true or false, got "no"'],
    ['PORT', '65536', 'PORT must be an integer from 0 to 65535, got "65536"'],
    ['REDIS_URL', 'localhost:6379', 'REDIS_URL must be a URL starting with redis:// or rediss://, or redis+cluster://host:port[,host:port...] for a Redis Cluster, got "localhost:6379"'],
    ['REDIS_URL', 'http://127.0.0.1:6379', 'REDIS_URL must be a URL starting with redis:// or rediss://, or redis+cluster://host:port[,host:port...] for a Redis Cluster, got "http://127.0.0.1:6379"'],
    ['REDIS_URL', 'redis+cluster://10.0.0.1,10.0.0.2:7000', 'REDIS_URL must be a URL starting with redis:// or rediss://, or redis+cluster://host:port[,host:port...] for a Redis Cluster, got "redis+cluster://10.0.0.1,10.0.0.2:7000"'],
    ['GRIDFOLD_API', '127.0.0.1:3000', 'GRIDFOLD_API must be a URL starting with http:// or https://, got "127.0.0.1:3000"'],
    ['GRIDFOLD_PREFIX', 'my prefix', 'GRIDFOLD_PREFIX must be text without spaces, got "my prefix"'],
    ['HOST', ' ', 'HOST must be text without spaces, got " "'],
    ['GRIDFOLD_WORKER_ID', 'a b', 'GRIDFOLD_WORKER_ID must be text without spaces, got "a b"'],
    ['GRIDFOLD_HEARTBEAT_MS', '50', 'GRIDFOLD_HEARTBEAT_MS must be an integer from 100 to 600000 (milliseconds), got "50"'],
    ['GRIDFOLD_MAX_CELL_FOLDS', '0', 'GRIDFOLD_MAX_CELL_FOLDS must be an integer from 1 to 1000000 (fits), got "0"'],
    ['GRIDFOLD_METRICS_EXPERIMENTS', '-1', 'GRIDFOLD_METRICS_EXPERIMENTS must be an integer from 0 to 100000 (experiments), got "-1"'],
    ['GRIDFOLD_TFJS_BACKEND', 'webgl', 'GRIDFOLD_TFJS_BACKEND must be one of "tensorflow", "wasm", "cpu", got "webgl"'],
    ['GRIDFOLD_LOG_FORMAT', 'text', 'GRIDFOLD_LOG_FORMAT must be one of "auto", "pretty", "json", got "text"'],
    ['GRIDFOLD_LOG_LEVEL', 'verbose', 'GRIDFOLD_LOG_LEVEL must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "verbose"'],
  ])('rejects %s=%j, naming the variable, the value and what is allowed', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new ConfigError(message));
  });

  it('names every bad variable at once, on one line', () => {
    let error: unknown;
    try {
      loadConfig({ GRIDFOLD_THREADS: 'abc', GRIDFOLD_LOCK_MS: '-1', PORT: '3000' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe('GRIDFOLD_THREADS must be an integer >= 1 (threads), got "abc"; GRIDFOLD_LOCK_MS must be an integer >= 1 (milliseconds), got "-1"');
  });
});

describe('configEnv', () => {
  it('gives the variables that load back to the same settings', () => {
    // Settings go back as plain numbers: 64mb is handed on as its bytes.
    expect(configEnv(PARSED)).toEqual({ ...EVERY_VARIABLE, GRIDFOLD_DATA_DIR: resolve('some/data'), GRIDFOLD_CACHE_MAX_BYTES: String(64 * 1024 * 1024), GRIDFOLD_ARTIFACT_CACHE_DIR: resolve('some/cache') });
    expect(loadConfig(configEnv(PARSED))).toEqual(PARSED);
  });

  it('leaves out what is unset', () => {
    expect(configEnv({ threads: 2, token: undefined })).toEqual({ GRIDFOLD_THREADS: '2' });
  });
});

describe('README', () => {
  it('has a row in its configuration table for every variable', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'));
    const rows = new Set([...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));
    for (const { env } of Object.values(CONFIG_VARIABLES)) expect(rows, `README.md: no row for ${env}`).toContain(env);
  });
});
