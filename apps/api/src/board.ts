import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { RequestHandler } from 'express';
import type { QueueShards } from '@gridfold/queue';
import { accessOf, type AccessPolicy } from './auth.js';

export const BOARD_PATH = '/admin/queues';

/**
 * Bull Board with the flow's queue (every job of every experiment: fit tasks, aggregates,
 * refits), one entry per queue shard (`gridfold-jobs`, then `shard1:gridfold-jobs`, ...). Without a token it is open (local use). With one, the token (HTTP Basic with the
 * token as password, for a browser; or Bearer) opens the full board; a request that may only
 * read (`GRIDFOLD_PUBLIC_READ`, or the dashboard's session cookie) gets a read-only one (no
 * retry, clean or delete buttons, and its API refuses them); anything else gets 401.
 */
export function boardRouter(shards: QueueShards, policy: AccessPolicy): RequestHandler {
  const make = (readOnlyMode: boolean) => {
    const adapter = new ExpressAdapter();
    adapter.setBasePath(BOARD_PATH);
    // Every shard's queue is named gridfold-jobs; the adapter's prefix tells them apart (shard 0 keeps the plain name).
    const queues = shards.queues.map((queue, i) => new BullMQAdapter(queue, { readOnlyMode, prefix: i === 0 ? '' : shards.label(i).slice(0, -queue.name.length) }));
    createBullBoard({ queues, serverAdapter: adapter });
    return adapter.getRouter() as RequestHandler;
  };
  const full = make(false);
  if (!policy.token) return full;
  const readOnly = make(true);
  return (req, res, next) => {
    const access = accessOf(req, policy);
    if (access === 'write') return full(req, res, next);
    const reading = req.method === 'GET' || req.method === 'HEAD';
    if (access === 'read' && reading) return readOnly(req, res, next);
    res.set('WWW-Authenticate', 'Basic realm="gridfold"');
    res.status(401).json({ error: access === 'read' ? 'Bull Board is read-only without the token' : 'Bull Board needs the token: HTTP Basic with GRIDFOLD_TOKEN as password, or "Authorization: Bearer <GRIDFOLD_TOKEN>"' });
  };
}
