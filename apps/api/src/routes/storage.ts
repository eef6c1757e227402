import { purgeExperiment, pruneExperiments, type ExperimentStore, type QueueShards } from '@gridfold/queue';
import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';

/** What {@link storageRoutes} needs: the store and queue shards whose keys it deletes, a logger, the token guard. */
export interface StorageRoutesDeps {
  store: ExperimentStore;
  shards: QueueShards;
  log: Logger;
  /** Guards mutating routes (token auth). */
  guard: RequestHandler;
}

const UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/** Milliseconds of a duration like `30d`, `12h`, `90m` or `45s`; null when it is not one. */
export function parseDuration(text: unknown): number | null {
  const m = typeof text === 'string' ? /^(\d+)(d|h|m|s)$/.exec(text.trim()) : null;
  return m ? Number(m[1]) * UNITS[m[2]] : null;
}

/**
 * DELETE /api/experiments/:id?purge=true (an ended experiment and every key it has) and
 * POST /api/experiments/prune (every ended experiment older than an age). A DELETE without
 * `purge` is a cancel, answered by the next route.
 */
export function storageRoutes(deps: StorageRoutesDeps): Router {
  const { store, shards, log } = deps;
  const router = Router();

  router.delete('/:id', deps.guard, async (req, res, next) => {
    if (req.query.purge !== 'true') return next();
    const id = String(req.params.id);
    const done = await purgeExperiment(store, shards.queueOf(id), id);
    if (done.purged) {
      log.info({ experiment: id, freed_bytes: done.freed_bytes, removed_jobs: done.removed_jobs }, 'experiment purged');
      return void res.json(done);
    }
    switch (done.reason) {
      case 'missing':
        return void res.status(404).json({ error: `no experiment ${JSON.stringify(id)}` });
      case 'running':
        return void res.status(409).json({ error: `experiment ${id} is ${done.status}; cancel it first (DELETE /api/experiments/${id} without purge), then purge it`, status: done.status });
      default:
        return void res.status(409).json({ error: `experiment ${id} has ${done.reason === 'busy' ? done.active_jobs : 'some'} job(s) still running (begun before it ended); purge it once they finish`, ...done });
    }
  });

  router.post('/prune', deps.guard, async (req, res) => {
    const olderThan = parseDuration(req.body?.older_than);
    if (olderThan === null) {
      const message = `must be a whole number of days, hours, minutes or seconds like "30d", "12h", "90m" or "45s", got ${JSON.stringify(req.body?.older_than ?? null)}`;
      return void res.status(400).json({ error: `older_than ${message}`, issues: [{ path: 'older_than', message }] });
    }
    const done = await pruneExperiments(store, (id) => shards.queueOf(id), olderThan);
    log.info({ purged: done.purged.length, freed_bytes: done.freed_bytes, kept: done.kept.length }, 'experiments pruned');
    res.json(done);
  });

  return router;
}
