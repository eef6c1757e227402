import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';

/** How long a request waits for a connection that is (re)connecting before it is refused, milliseconds. */
const CONNECT_WAIT_MS = 500;

/** Redis did not answer: the request gets 503 with this message. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
  readonly status = 503;
}

/**
 * Whether an error is ioredis saying it could not reach Redis (rather than Redis refusing a
 * command): a command timeout, retries used up at a failed reconnect, a closed connection.
 */
export function isRedisUnavailable(err: unknown): boolean {
  if (err instanceof RedisUnavailableError) return true;
  const e = err as { name?: string; message?: string } | null;
  return e?.name === 'MaxRetriesPerRequestError' || /Command timed out|Connection is closed/.test(e?.message ?? '');
}

/**
 * Answers for the API about the Redis connections it uses: whether they are up, with the last
 * connection error to say why not, and a gate that refuses requests at once while they are down.
 *
 * Why a gate rather than only fail-fast connections: BullMQ's Queue and FlowProducer keep
 * `maxRetriesPerRequest: null` and the offline queue (their initialisation must survive a Redis
 * that is down when the API starts), so a command sent through them while Redis is down waits
 * for the reconnection, and is then *executed*: a submission answered with a timeout would
 * still appear later. Checking the connections before a route runs sends nothing while Redis is
 * down; the deadline answers the rare request that was already under way when Redis went away,
 * or that waits on a Redis that is up but does not answer (hung, or a lost network).
 */
export class RedisHealth {
  private lastError = '';
  private closed = false;

  /**
   * @param connections - every connection the routes use; the first is the API's own, whose
   *   errors say why Redis is down (the others may be shared, e.g. by many apps in one process)
   * @param timeoutMs - longest a request may wait for Redis before it is answered 503, milliseconds
   */
  constructor(
    private readonly connections: [Redis, ...Redis[]],
    readonly timeoutMs: number,
  ) {
    connections[0].on('error', (err: Error) => (this.lastError = err.message));
    connections[0].on('ready', () => (this.lastError = ''));
  }

  /** Resolves when every connection is ready (waiting a little for one that reconnects), else throws {@link RedisUnavailableError}. */
  async ready(waitMs = CONNECT_WAIT_MS): Promise<void> {
    if (this.closed) throw new RedisUnavailableError('server is shutting down');
    const deadline = Date.now() + waitMs;
    for (;;) {
      const down = this.connections.find((c) => c.status !== 'ready');
      if (!down) return;
      if (Date.now() >= deadline) throw new RedisUnavailableError(`Redis is unreachable (connection ${down.status}${this.lastError ? `: ${this.lastError}` : ''}); the API recovers by itself once it is back`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Refuses every request from now on, as the app closes its connections. */
  close(): void {
    this.closed = true;
  }

  /** `work`, or {@link RedisUnavailableError} if it has not finished after `ms` milliseconds. */
  async within<T>(ms: number, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnavailableError(`Redis did not answer within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Middleware for routes that use Redis: 503 at once while a connection is down, and 503 when
   * no answer has begun after {@link timeoutMs} (an event stream has begun once its headers are
   * sent, so an open stream is never cut).
   */
  gate(): RequestHandler {
    return (_req, res, next) => {
      this.ready().then(
        () => {
          const timer = setTimeout(() => {
            if (!res.headersSent) res.status(503).json({ error: `Redis did not answer within ${this.timeoutMs} ms; try again shortly` });
          }, this.timeoutMs);
          res.on('close', () => clearTimeout(timer));
          res.on('finish', () => clearTimeout(timer));
          next();
        },
        (err: Error) => void res.status(503).json({ error: err.message }),
      );
    };
  }
}
