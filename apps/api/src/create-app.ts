import { createLogger, defaultDataDir, MAX_CELL_FOLDS, MAX_DATASET_FILE_BYTES } from '@gridfold/core';
import { DASHBOARD_DIR } from '@gridfold/dashboard';
import { ArtifactStore, ExperimentStore, QUEUE, type ArtifactStoreOptions } from '@gridfold/queue';
import { FlowProducer, Queue } from 'bullmq';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { requireToken } from './auth.js';
import { BOARD_PATH, boardRouter } from './board.js';
import { LiveFeed } from './live-feed.js';
import { LiveSnapshots } from './live-snapshots.js';
import { artifactRoutes } from './routes/artifacts.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { datasetRoutes } from './routes/datasets.js';
import { eventRoutes } from './routes/events.js';
import { experimentRoutes, type SubmissionLimits } from './routes/experiments.js';

/** Dependencies and settings of the API. */
export interface AppDeps {
  /** BullMQ-ready ioredis connection (`maxRetriesPerRequest: null`). */
  redis: Redis;
  /** @defaultValue `"gridfold"` */
  prefix?: string;
  /** @defaultValue `createLogger({ logFormat: "auto", logLevel: "info" }, "api")` */
  logger?: Logger;
  /** When set, mutating routes and full Bull Board need `Authorization: Bearer <token>`. */
  token?: string;
  /** Largest accepted request body. @defaultValue `"1mb"` */
  bodyLimit?: string;
  limits?: Partial<SubmissionLimits>;
  /** Submissions per client per minute. @defaultValue 120 */
  submitsPerMinute?: number;
  /** Built web dashboard served at `/`; null serves none. @defaultValue apps/dashboard/dist */
  dashboardDir?: string | null;
  /** Refresh interval of the live event streams, milliseconds. @defaultValue 1000 */
  liveIntervalMs?: number;
  /** Bounds of the artifact store (`GRIDFOLD_ARTIFACTS_MAX_BYTES`, `GRIDFOLD_ARTIFACT_UPLOAD_MAX_BYTES`). @defaultValue ArtifactStore's */
  artifacts?: ArtifactStoreOptions;
}

/** The Express app plus what it opened, with an idempotent close(). */
export interface GridfoldApp {
  app: Express;
  store: ExperimentStore;
  queue: Queue;
  close(): Promise<void>;
}

/**
 * The gridfold API: experiments as BullMQ flows, health, and Bull Board at /admin/queues with
 * the flow's queue registered. Errors are JSON; no stack trace leaves the server.
 */
export function createApp(deps: AppDeps): GridfoldApp {
  const prefix = deps.prefix ?? 'gridfold';
  const log = deps.logger ?? createLogger({ logFormat: 'auto', logLevel: 'info' }, 'api');
  const store = new ExperimentStore(deps.redis, prefix);
  const queue = new Queue(QUEUE, { connection: deps.redis, prefix });
  const flows = new FlowProducer({ connection: deps.redis, prefix });
  // Connection trouble (e.g. Redis restarting) is reported, not thrown: ioredis reconnects by itself.
  const warn = (err: Error) => log.warn({ err: err.message }, 'redis connection error');
  deps.redis.on('error', warn);
  flows.on('error', warn);
  queue.on('error', warn);
  const guard = requireToken(deps.token);
  const feed = new LiveFeed(new LiveSnapshots(store, deps.redis, queue), log, { intervalMs: deps.liveIntervalMs });
  const app = express();
  app.disable('x-powered-by');
  // Bull Board's page runs its own inline bootstrap script; everything else gets helmet's full CSP.
  app.use(BOARD_PATH, helmet({ contentSecurityPolicy: false }));
  app.use(helmet());
  app.use(express.json({ limit: deps.bodyLimit ?? '1mb' }));

  app.use(BOARD_PATH, boardRouter(queue, deps.token));

  app.get('/health', async (_req, res) => {
    try {
      await deps.redis.ping();
      res.json({ ok: true, redis: 'up', queues: { [queue.name]: await queue.getJobCounts() } });
    } catch (err) {
      res.status(503).json({ ok: false, redis: 'down', error: (err as Error).message });
    }
  });

  app.use(eventRoutes(feed, store));
  app.use(
    '/api/experiments',
    experimentRoutes({
      store,
      queue,
      flows,
      prefix,
      log,
      guard,
      limits: { maxCellFolds: MAX_CELL_FOLDS, maxFileBytes: MAX_DATASET_FILE_BYTES, dataDir: defaultDataDir(), ...deps.limits },
      submitLimiter: rateLimit({
        windowMs: 60_000,
        limit: deps.submitsPerMinute ?? 120,
        standardHeaders: 'draft-8',
        legacyHeaders: false,
        message: { error: 'too many submissions; try again in a minute' },
      }),
    }),
  );

  app.use('/api/datasets', datasetRoutes());
  app.use('/api/artifacts', guard, artifactRoutes({ store: new ArtifactStore(deps.redis, prefix, deps.artifacts), log }));
  if (deps.dashboardDir !== null) app.use(dashboardRoutes(deps.dashboardDir ?? DASHBOARD_DIR));

  app.use((_req, res) => void res.status(404).json({ error: 'not found' }));
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
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
    queue,
    close() {
      feed.close();
      closing ??= Promise.all([queue.close(), flows.close()]).then(() => undefined);
      return closing;
    },
  };
}
