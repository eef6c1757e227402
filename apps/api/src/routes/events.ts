import type { ExperimentStore } from '@gridfold/queue';
import { Router } from 'express';
import type { LiveFeed } from '../live-feed.js';

/**
 * Server-sent events for live pages: `GET /api/events` streams the experiment list
 * (`experiments` events, the items of GET /api/experiments) and
 * `GET /api/experiments/:id/events` one experiment (`experiment` events: GET
 * /api/experiments/:id without `result`, plus `has_result`, `best_index`, `generation` and
 * `tasks`, the BullMQ job of every task). A snapshot is sent on connect and on every change.
 */
export function eventRoutes(feed: LiveFeed, store: ExperimentStore): Router {
  const router = Router();
  router.get('/api/events', (_req, res) => feed.subscribeList(res));
  router.get('/api/experiments/:id/events', async (req, res) => {
    const id = String(req.params.id);
    if ((await store.status(id)) === null) return void res.status(404).json({ error: `no experiment ${JSON.stringify(id)}` });
    feed.subscribeExperiment(res, id);
  });
  return router;
}
