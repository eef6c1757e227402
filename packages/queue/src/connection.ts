import { Redis, type RedisOptions } from 'ioredis';

/** Default Redis address (the config's `REDIS_URL` overrides it). */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * An ioredis connection as BullMQ wants it (`maxRetriesPerRequest: null`, so blocking
 * commands wait through a Redis restart instead of failing) that reconnects by itself.
 */
export function connectRedis(url = DEFAULT_REDIS_URL, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...options,
  });
}

/** Whether a Redis answers PING at `url` within `timeoutMs` milliseconds. */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
