import { randomUUID } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { checkSpec, planTasks, SpecError } from '@gridfold/core';
import { buildFlow, ExperimentStore, jobIds, QUEUES } from '@gridfold/queue';
import { FlowProducer, Queue } from 'bullmq';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { describeExperiment } from './progress.js';

/** Dependencies of the API. */
export interface AppDeps {
  /** BullMQ-ready ioredis connection (`maxRetriesPerRequest: null`). */
  redis: Redis;
  /** @defaultValue `"gridfold"` */
  prefix?: string;
  logger?: Logger;
  /** Largest accepted request body. @defaultValue `"1mb"` */
  bodyLimit?: string;
}

/** The Express app plus what it opened, with an idempotent close(). */
export interface GridfoldApp {
  app: Express;
  store: ExperimentStore;
  queues: Queue[];
  close(): Promise<void>;
}

/**
 * The gridfold API: experiments as BullMQ flows (POST/GET/DELETE /api/experiments), health,
 * and Bull Board at /admin/queues with every queue of the flow registered.
 */
export function createApp(deps: AppDeps): GridfoldApp {
  const prefix = deps.prefix ?? 'gridfold';
  const log = deps.logger ?? pino({ base: { role: 'api' } }, pino.destination(2));
  const store = new ExperimentStore(deps.redis, prefix);
  const queues = Object.values(QUEUES).map((name) => new Queue(name, { connection: deps.redis, prefix }));
  const flows = new FlowProducer({ connection: deps.redis, prefix });
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: deps.bodyLimit ?? '1mb' }));

  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: board });
  app.use('/admin/queues', board.getRouter());

  app.get('/health', async (_req, res) => {
    try {
      await deps.redis.ping();
      const counts = Object.fromEntries(await Promise.all(queues.map(async (q) => [q.name, await q.getJobCounts()] as const)));
      res.json({ ok: true, redis: 'up', queues: counts });
    } catch (err) {
      res.status(503).json({ ok: false, redis: 'down', error: (err as Error).message });
    }
  });

  app.post('/api/experiments', async (req, res) => {
    let spec;
    try {
      spec = checkSpec(req.body);
    } catch (err) {
      if (err instanceof SpecError) return void res.status(400).json({ error: 'invalid experiment spec', issues: err.issues });
      throw err;
    }
    const id = randomUUID();
    const plan = planTasks(spec);
    await store.create(id, spec);
    await flows.add(buildFlow(id, prefix, plan));
    log.info({ experiment: id, name: spec.name, tasks: plan.tasks.length }, 'experiment submitted');
    res.status(201).json({ id, tasks: plan.tasks.length, links: links(id) });
  });

  app.get('/api/experiments', async (req, res) => {
    const limit = Math.min(Number(req.query.limit ?? 50) || 50, 500);
    const ids = await store.list(0, limit);
    const records = (await Promise.all(ids.map((id) => store.get(id)))).filter((r) => r !== null);
    const items = await Promise.all(records.map((r) => describeExperiment(store, r, false)));
    res.json({ experiments: items.map(({ spec: _s, cv_results: _c, result: _r, ...rest }) => ({ ...rest, links: links(rest.id) })) });
  });

  app.get('/api/experiments/:id', async (req, res) => {
    const record = await store.get(req.params.id);
    if (!record) return void res.status(404).json({ error: `no experiment ${JSON.stringify(req.params.id)}` });
    res.json({ ...(await describeExperiment(store, record)), links: links(record.id) });
  });

  app.delete('/api/experiments/:id', async (req, res) => {
    const id = req.params.id;
    const status = await store.status(id);
    if (status === null) return void res.status(404).json({ error: `no experiment ${JSON.stringify(id)}` });
    if (store.isTerminal(status)) return void res.status(409).json({ error: `experiment ${id} is already ${status}`, status });
    await store.finish(id, 'cancelled', { error: 'cancelled by request' });
    const removed = await removePending(queues, id);
    log.info({ experiment: id, removed }, 'experiment cancelled');
    res.json({ id, status: 'cancelled', removed_jobs: removed });
  });

  app.use((_req, res) => void res.status(404).json({ error: 'not found' }));
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) log.error({ err: err.message }, 'request failed');
    res.status(status).json({ error: status === 500 ? 'internal error' : err.message, type: err.type });
  };
  app.use(onError);

  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    queues,
    close() {
      closing ??= Promise.all([...queues.map((q) => q.close()), flows.close()]).then(() => undefined);
      return closing;
    },
  };
}

function links(id: string) {
  return { self: `/api/experiments/${id}`, page: `/experiments/${id}`, bull_board: `/admin/queues/queue/${QUEUES.refit}?jobId=${jobIds.root(id)}` };
}

/**
 * Removes an experiment's jobs that have not started. Jobs already running finish (their
 * processors see the cancelled status and store nothing new); nothing else is touched.
 */
async function removePending(queues: Queue[], id: string): Promise<number> {
  let removed = 0;
  for (const q of queues) {
    for (const state of ['waiting', 'waiting-children', 'delayed', 'prioritized'] as const) {
      const jobs = await q.getJobs([state], 0, -1);
      for (const job of jobs) {
        if (job.data?.experimentId !== id) continue;
        try {
          await job.remove({ removeChildren: false });
          removed++;
        } catch {
          // A job that became active meanwhile is left to finish; the cancelled status stops it.
        }
      }
    }
  }
  return removed;
}
