import type { CacheStore } from '@gridfold/core';
import type { Redis } from 'ioredis';
import { isRedisFull } from './redis-full.js';

/** Bounds of a {@link RedisTaskCache}; whichever is reached first evicts. */
export interface TaskCacheLimits {
  /** Most results kept. @defaultValue 200000 */
  maxEntries?: number;
  /** Most bytes kept (keys plus values, as stored; Redis's own overhead per entry not counted). @defaultValue 268435456 (256 MiB) */
  maxBytes?: number;
}

// Stores the entries, then evicts the least recently used until both bounds hold, in one
// step for every worker sharing the cache. KEYS: values, last use, clock, sizes, total bytes.
// ARGV: max entries, max bytes, then key, value pairs.
const SET_MANY = `
local n = (#ARGV - 2) / 2
local last = redis.call('incrby', KEYS[3], n)
for i = 0, n - 1 do
  local key, value = ARGV[3 + 2 * i], ARGV[4 + 2 * i]
  local old = redis.call('hget', KEYS[4], key)
  if old then redis.call('incrby', KEYS[5], -tonumber(old)) end
  local size = #key + #value
  redis.call('hset', KEYS[1], key, value)
  redis.call('hset', KEYS[4], key, size)
  redis.call('incrby', KEYS[5], size)
  redis.call('zadd', KEYS[2], last - n + 1 + i, key)
end
local maxEntries, maxBytes = tonumber(ARGV[1]), tonumber(ARGV[2])
local total = tonumber(redis.call('get', KEYS[5]))
local evicted = 0
while total > maxBytes or redis.call('zcard', KEYS[2]) > maxEntries do
  local popped = redis.call('zpopmin', KEYS[2])
  if #popped == 0 then break end
  local size = tonumber(redis.call('hget', KEYS[4], popped[1]) or '0')
  redis.call('hdel', KEYS[1], popped[1])
  redis.call('hdel', KEYS[4], popped[1])
  total = redis.call('incrby', KEYS[5], -size)
  evicted = evicted + 1
end
return evicted`;

/**
 * The task cache in Redis: a hash of content key → result bytes, a sorted set of last use,
 * and the size of each entry with their total, so that it holds at most `maxEntries` results
 * and `maxBytes` bytes (least recently used go first). It is an optimisation: when Redis is
 * full (maxmemory under noeviction) it stores nothing and touches nothing, and the task goes on.
 */
export class RedisTaskCache implements CacheStore {
  private readonly hash: string;
  private readonly lru: string;
  /** A counter used as the last-use clock: strictly increasing, unlike milliseconds. */
  private readonly clock: string;
  private readonly sizes: string;
  private readonly total: string;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(
    private readonly redis: Redis,
    prefix = 'gridfold',
    limits: TaskCacheLimits = {},
  ) {
    this.hash = `${prefix}:cache`;
    this.lru = `${prefix}:cache:lru`;
    this.clock = `${prefix}:cache:clock`;
    this.sizes = `${prefix}:cache:sizes`;
    this.total = `${prefix}:cache:bytes`;
    this.maxEntries = limits.maxEntries ?? 200_000;
    this.maxBytes = limits.maxBytes ?? 256 * 1024 * 1024;
  }

  async getMany(keys: string[]): Promise<Array<Uint8Array | null>> {
    if (keys.length === 0) return [];
    const values = await this.redis.hmgetBuffer(this.hash, ...keys);
    const hits = keys.filter((_, i) => values[i] !== null);
    if (hits.length) await this.touch(hits);
    return values;
  }

  /** Stores the entries (one larger than `maxBytes` alone is not kept) and evicts down to the bounds. */
  async setMany(entries: Array<[string, Uint8Array]>): Promise<void> {
    const kept = entries.filter(([k, v]) => Buffer.byteLength(k) + v.length <= this.maxBytes);
    if (kept.length === 0) return;
    const args = kept.flatMap(([k, v]) => [k, Buffer.from(v.buffer, v.byteOffset, v.length)]);
    await this.ignoreFull(this.redis.eval(SET_MANY, 5, this.hash, this.lru, this.clock, this.sizes, this.total, this.maxEntries, this.maxBytes, ...args));
  }

  private async touch(keys: string[]): Promise<void> {
    await this.ignoreFull(
      (async () => {
        const last = await this.redis.incrby(this.clock, keys.length);
        await this.redis.zadd(this.lru, ...keys.flatMap((k, i) => [last - keys.length + 1 + i, k]));
      })(),
    );
  }

  private async ignoreFull(write: Promise<unknown>): Promise<void> {
    try {
      await write;
    } catch (err) {
      if (!isRedisFull(err)) throw err;
    }
  }

  /** Number of results held. */
  size(): Promise<number> {
    return this.redis.hlen(this.hash);
  }

  /** Bytes held (keys plus values). */
  async bytes(): Promise<number> {
    return Number((await this.redis.get(this.total)) ?? 0);
  }
}
