import { isRedisFull, REDIS_FULL_MESSAGE } from '@gridfold/queue';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';

/**
 * Answers a request that Redis refused for lack of memory (maxmemory under noeviction) with
 * 507 Insufficient Storage and what to do about it; other errors go on to the app's handler.
 */
export function redisFullHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (!isRedisFull(err)) return next(err);
    log.warn({ method: req.method, path: req.path }, 'Redis is out of memory: request refused');
    res.status(507).json({ error: REDIS_FULL_MESSAGE, redis: 'full' });
  };
}
