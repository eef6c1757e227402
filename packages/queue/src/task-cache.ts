import type { CacheStore } from '@gridfold/core';
import type { Redis } from 'ioredis';

/**
 * The task cache in Redis: a hash of content key → result JSON, and a sorted set of last use
 * for eviction once it holds more than `maxEntries` results (least recently used go first).
 */
export class RedisTaskCache implements CacheStore {
  private readonly hash: string;
  private readonly lru: string;
  /** A counter used as the last-use clock: strictly increasing, unlike milliseconds. */
  private readonly clock: string;

  constructor(
    private readonly redis: Redis,
    prefix = 'gridfold',
    /** Most results kept. @defaultValue 200000 */
    private readonly maxEntries = 200_000,
  ) {
    this.hash = `${prefix}:cache`;
    this.lru = `${prefix}:cache:lru`;
    this.clock = `${prefix}:cache:clock`;
  }

  async getMany(keys: string[]): Promise<Array<string | null>> {
    if (keys.length === 0) return [];
    const values = await this.redis.hmget(this.hash, ...keys);
    const hits = keys.filter((_, i) => values[i] !== null);
    if (hits.length) await this.touch(hits);
    return values;
  }

  async setMany(entries: Array<[string, string]>): Promise<void> {
    if (entries.length === 0) return;
    await this.redis.hset(this.hash, Object.fromEntries(entries));
    await this.touch(entries.map(([k]) => k));
    const excess = (await this.redis.zcard(this.lru)) - this.maxEntries;
    if (excess > 0) {
      const evicted = await this.redis.zpopmin(this.lru, excess);
      const evictedKeys = evicted.filter((_, i) => i % 2 === 0);
      if (evictedKeys.length) await this.redis.hdel(this.hash, ...evictedKeys);
    }
  }

  private async touch(keys: string[]): Promise<void> {
    const last = await this.redis.incrby(this.clock, keys.length);
    await this.redis.zadd(this.lru, ...keys.flatMap((k, i) => [last - keys.length + 1 + i, k]));
  }

  /** Number of results held. */
  size(): Promise<number> {
    return this.redis.hlen(this.hash);
  }
}
