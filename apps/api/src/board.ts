import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { RequestHandler } from 'express';
import { isAuthorized } from './auth.js';

export const BOARD_PATH = '/admin/queues';

/**
 * Bull Board with the flow's queue (every job of every experiment: fit tasks, aggregates, refits). Without a token it is open (local use). With a
 * token, an authorised request gets the full board and any other a read-only one (no retry,
 * clean or delete buttons, and its API refuses them).
 */
export function boardRouter(queue: Queue, token: string | undefined): RequestHandler {
  const make = (readOnlyMode: boolean) => {
    const adapter = new ExpressAdapter();
    adapter.setBasePath(BOARD_PATH);
    createBullBoard({ queues: [new BullMQAdapter(queue, { readOnlyMode })], serverAdapter: adapter });
    return adapter.getRouter() as RequestHandler;
  };
  const full = make(false);
  if (!token) return full;
  const readOnly = make(true);
  return (req, res, next) => {
    if (isAuthorized(req, token)) return full(req, res, next);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.set('WWW-Authenticate', 'Basic realm="gridfold"');
      return void res.status(401).json({ error: 'Bull Board is read-only without the token' });
    }
    return readOnly(req, res, next);
  };
}
