import { createLogger, defaultDataDir, MAX_CELL_FOLDS, MAX_DATASET_FILE_BYTES } from '@gridfold/core';
import { DASHBOARD_DIR } from '@gridfold/dashboard';
import { ArtifactStore, duplicateConnection, ExperimentStore, IdempotencyKeys, keyPrefixFor, QueueShards, redisMemory, WorkerRegistry, type ArtifactStoreOptions, type WorkerList } from '@gridfold/queue';
import type { Queue } from 'bullmq';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { requireMetricsAccess, requireReadAccess, requireToken, sessionRoutes } from './auth.js';
import { BOARD_PATH, boardRouter } from './board.js';
import { LiveFeed } from './live-feed.js';
import { LiveSnapshots } from './live-snapshots.js';
import { ResultsCache } from './results-cache.js';
import { metricsHandler } from './metrics.js';
import { isRedisUnavailable, RedisHealth, RedisUnavailableError } from './redis-gate.js';
import { refuseCrossSiteWrites, requireLoopbackHost } from './request-origin.js';
import { RetentionSweeper, type RetentionOptions } from './retention.js';
import { artifactRoutes } from './routes/artifacts.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { datasetRoutes } from './routes/datasets.js';
import { eventRoutes } from './routes/events.js';
import { experimentRoutes, type SubmissionLimits } from './routes/experiments.js';
import { PluginChecker, type PluginCheckOptions } from './plugin-check.js';

/** Dependencies and settings of the API. */
export interface AppDeps {
  /** BullMQ-ready ioredis connection (`maxRetriesPerRequest: null`), or a Redis Cluster's (`connectRedis` of a `redis+cluster://` URL). */
  redis: Redis;
  /** @defaultValue `"gridfold"`; on a Redis Cluster it is used as the hash tag `{gridfold}` (see `keyPrefixFor`) */
  prefix?: string;
  /**
   * Key prefixes of the deployment's queue shards, shard 0 (the prefix itself) first: each
   * experiment's jobs go to its id's (see `resolveQueueShards`, which `startApi` calls).
   * @defaultValue `[prefix]`: the one queue
   */
  queueShards?: readonly string[];
  /** @defaultValue `createLogger({ logFormat: "auto", logLevel: "info" }, "api")` */
  logger?: Logger;
  /** When set, mutating routes and full Bull Board need `Authorization: Bearer <token>`, and reads need it too unless `publicRead`. */
  token?: string;
  /** With a token: reads (experiments, event streams, dataset images, read-only Bull Board) need none. @defaultValue false */
  publicRead?: boolean;
  /** Answer only requests whose Host is localhost, 127.0.0.1 or [::1] (for an API on loopback: DNS rebinding). @defaultValue false */
  loopbackOnly?: boolean;
  /** Reads (GET under /api and Bull Board's API) per client per minute. @defaultValue 600 */
  readsPerMinute?: number;
  /** Longest a request waits for Redis before it is answered 503, milliseconds. @defaultValue 10000 */
  redisTimeoutMs?: number;
  /** Largest accepted request body. @defaultValue `"1mb"` */
  bodyLimit?: string;
  limits?: Partial<SubmissionLimits>;
  /** Submissions per client per minute. @defaultValue 120 */
  submitsPerMinute?: number;
  /** Built web dashboard served at `/`; null serves none. @defaultValue apps/dashboard/dist */
  dashboardDir?: string | null;
  /** Refresh interval of the live event streams, milliseconds. @defaultValue 1000 */
  liveIntervalMs?: number;
  /** Deleting ended experiments after a retention period (`GRIDFOLD_RETENTION_DAYS`). @defaultValue off */
  retention?: RetentionOptions;
  /** Bounds of the artifact store (`GRIDFOLD_ARTIFACTS_MAX_BYTES`, `GRIDFOLD_ARTIFACT_UPLOAD_MAX_BYTES`). @defaultValue ArtifactStore's */
  artifacts?: ArtifactStoreOptions;
  /** Whether specs may name plugins, users' code that workers run (`GRIDFOLD_ALLOW_PLUGINS`). @defaultValue true */
  allowPlugins?: boolean;
  /** Limits of the child process that loads a spec's plugins to check it. @defaultValue 20 s, 1024 MiB */
  pluginCheck?: PluginCheckOptions;
  /** Most cv_results rows (and tasks, in live events) a view of an experiment inlines; more are read by pages. @defaultValue `CV_INLINE_ROWS` (1000) */
  cvInlineRows?: number;
  /** Fit tasks queued with an experiment's flow; a larger flow's other tasks follow in chunks of this many (queue enqueue.ts). @defaultValue `FLOW_CHUNK` (2000) */
  flowChunk?: number;
  /** A token that opens `GET /metrics` alone (`GRIDFOLD_METRICS_TOKEN`); without one, `/metrics` is a read like the others. @defaultValue unset */
  metricsToken?: string;
  /** How many of the newest experiments `GET /metrics` counts by status (`GRIDFOLD_METRICS_EXPERIMENTS`). @defaultValue 1000 */
  metricsExperiments?: number;
}

/** The Express app plus what it opened, with an idempotent close(). */
export interface GridfoldApp {
  app: Express;
  store: ExperimentStore;
  /** Shard 0's queue (the one queue, without shards). */
  queue: Queue;
  /** Every queue shard (an experiment's jobs are on `shards.queueOf(id)`). */
  shards: QueueShards;
  /** The key prefix in use: `deps.prefix`, hash-tagged on a Redis Cluster. */
  prefix: string;
  close(): Promise<void>;
}

/**
 * The gridfold API: experiments as BullMQ flows, health, and Bull Board at /admin/queues with
 * the flow's queue registered. Errors are JSON; no stack trace leaves the server.
 */
export function createApp(deps: AppDeps): GridfoldApp {
  const prefix = keyPrefixFor(deps.redis, deps.prefix ?? 'gridfold');
  const log = deps.logger ?? createLogger({ logFormat: 'auto', logLevel: 'info' }, 'api');
  const redisTimeoutMs = deps.redisTimeoutMs ?? 10_000;
  // The API's own reads and writes of experiments (the store) get a connection of their own that
  // gives up instead of waiting for Redis: a command caught by a disconnect fails at the next
  // failed reconnect attempt (maxRetriesPerRequest 0: within the 2 s retry interval, never
  // replayed minutes later), and one that Redis does not answer times out. Its offline queue stays
  // on so that commands sent while it first connects (at startup) just wait for it. BullMQ keeps
  // deps.redis (maxRetriesPerRequest null), and RedisHealth's gate keeps requests off both while
  // Redis is down.
  const reads = duplicateConnection(deps.redis, { maxRetriesPerRequest: 0, commandTimeout: redisTimeoutMs });
  const redisHealth = new RedisHealth([reads, deps.redis], redisTimeoutMs);
  const store = new ExperimentStore(reads, prefix);
  const shards = new QueueShards(deps.redis, deps.queueShards ?? [prefix]);
  // Connection trouble (e.g. Redis restarting) is reported, not thrown: ioredis reconnects by itself.
  const warn = (err: Error) => log.warn({ err: err.message }, 'redis connection error');
  deps.redis.on('error', warn);
  shards.onError(warn);
  const guard = requireToken(deps.token);
  const policy = { token: deps.token, publicRead: deps.publicRead };
  const retention = new RetentionSweeper({ redis: deps.redis, store, shards, prefix, log }, deps.retention ?? { retentionDays: 0 });
  retention.start();
  const results = new ResultsCache(store);
  const pluginChecker = new PluginChecker(deps.pluginCheck);
  const feed = new LiveFeed(new LiveSnapshots(store, reads, shards, results, deps.cvInlineRows), log, { intervalMs: deps.liveIntervalMs });
  const perMinute = (limit: number, message: string, skip?: (req: express.Request) => boolean): RequestHandler =>
    rateLimit({ windowMs: 60_000, limit, standardHeaders: 'draft-8', legacyHeaders: false, message: { error: message }, skip });
  const readLimiter = perMinute(deps.readsPerMinute ?? 600, 'too many reads; try again in a minute', (req) => req.method !== 'GET' && req.method !== 'HEAD');
  const redisGate = redisHealth.gate();
  const app = express();
  app.disable('x-powered-by');
  if (deps.loopbackOnly) app.use(requireLoopbackHost());
  app.use(refuseCrossSiteWrites());
  // Bull Board's page runs its own inline bootstrap script; everything else gets helmet's full CSP.
  app.use(BOARD_PATH, helmet({ contentSecurityPolicy: false }));
  app.use(helmet());
  app.use(express.json({ limit: deps.bodyLimit ?? '1mb' }));

  app.use(sessionRoutes(deps.token));
  app.use(`${BOARD_PATH}/api`, readLimiter, redisGate);
  app.use(BOARD_PATH, boardRouter(shards, policy));

  app.get('/health', async (_req, res) => {
    try {
      await redisHealth.ready();
      const [, counts, memory] = await redisHealth.within(Math.min(1000, redisTimeoutMs), Promise.all([reads.ping(), Promise.all(shards.queues.map((q) => q.getJobCounts())), redisMemory(reads, prefix)]));
      res.json({ ok: true, redis: 'up', queues: Object.fromEntries(counts.map((c, i) => [shards.label(i), c])), memory });
    } catch (err) {
      res.status(503).json({ ok: false, redis: 'down', error: (err as Error).message });
    }
  });

  // Prometheus' text format, read from Redis at each scrape (see metrics.ts); a read, or its own token.
  app.get('/metrics', readLimiter, requireMetricsAccess(policy, deps.metricsToken), redisGate, metricsHandler({ redis: reads, shards, prefix, experimentsScanned: deps.metricsExperiments }));

  const artifactStore = new ArtifactStore(deps.redis, prefix, deps.artifacts);
  const workers = new WorkerRegistry(reads, prefix);
  app.use('/api', readLimiter, requireReadAccess(policy));
  app.use(['/api/experiments', '/api/events', '/api/workers'], redisGate);
  // The worker processes whose heartbeat has not expired: host, pid, threads, running jobs.
  app.get('/api/workers', async (_req, res, next) => {
    try {
      res.json({ workers: await workers.list() } satisfies WorkerList);
    } catch (err) {
      next(err);
    }
  });
  app.use(eventRoutes(feed, store));
  app.use(
    '/api/experiments',
    experimentRoutes({
      store,
      results,
      redis: reads,
      cvInlineRows: deps.cvInlineRows,
      flowChunk: deps.flowChunk,
      shards,
      prefix,
      log,
      guard,
      limits: { maxCellFolds: MAX_CELL_FOLDS, maxFileBytes: MAX_DATASET_FILE_BYTES, dataDir: defaultDataDir(), ...deps.limits },
      submitLimiter: perMinute(deps.submitsPerMinute ?? 120, 'too many submissions; try again in a minute'),
      artifacts: artifactStore,
      allowPlugins: deps.allowPlugins ?? true,
      pluginChecker,
      workers,
      idempotency: new IdempotencyKeys(deps.redis, prefix),
    }),
  );

  app.use('/api/datasets', datasetRoutes());
  app.use('/api/artifacts', guard, artifactRoutes({ store: artifactStore, log }));
  if (deps.dashboardDir !== null) app.use(dashboardRoutes(deps.dashboardDir ?? DASHBOARD_DIR));

  app.use((_req, res) => void res.status(404).json({ error: 'not found' }));
  const onError: ErrorRequestHandler = (err, req, res, next) => {
    if (res.headersSent) {
      // A route that finished after its Redis deadline was answered 503 already: its answer is
      // dropped here. Passing it on would make Express's final handler destroy the connection,
      // and the client's next request on it fail ("other side closed"). An open stream still goes on.
      if (!res.writableEnded) return next(err);
      log.warn({ method: req.method, path: req.path, err: err.message }, 'late answer dropped: the request was answered 503 at its Redis deadline');
      return;
    }
    if (isRedisUnavailable(err)) {
      const message = err instanceof RedisUnavailableError ? err.message : `Redis is unreachable (${err.message}); the API recovers by itself once it is back`;
      return void res.status(503).json({ error: message });
    }
    const status = typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) log.error({ err: err.message, stack: err.stack }, 'request failed');
    const message = status === 500 ? 'internal error' : err.type === 'entity.parse.failed' ? `body is not valid JSON: ${err.message}` : err.message;
    res.status(status).json({ error: message });
  };
  app.use(onError);

  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    queue: shards.queues[0],
    shards,
    prefix,
    close() {
      feed.close();
      retention.close();
      pluginChecker.close();
      redisHealth.close();
      closing ??= shards.close().then(() => void reads.disconnect());
      return closing;
    },
  };
}
