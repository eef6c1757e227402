import type { Redis } from 'ioredis';
import { keys } from './names.js';
import { RedisTaskCache } from './task-cache.js';

/** How much of Redis is in use, for /health: one INFO and two small reads, whatever the data. */
export interface RedisMemory {
  /** Bytes Redis holds in all (`used_memory`). */
  used_bytes: number;
  /** Its `maxmemory`; 0 means no limit. */
  max_bytes: number;
  /** Its `maxmemory-policy` (gridfold's compose file runs `noeviction`). */
  policy: string;
  /** Whether it has reached maxmemory, so that it refuses writes under `noeviction`. */
  full: boolean;
  /** Bytes in the task cache (keys plus values, as counted at write time). */
  cache_bytes: number;
  /** Experiments in the store. */
  experiments: number;
}

/** Redis's memory in use and its limit, the task cache's bytes and the number of experiments under `prefix`. */
export async function redisMemory(redis: Redis, prefix: string): Promise<RedisMemory> {
  const [info, cacheBytes, experiments] = await Promise.all([redis.info('memory'), new RedisTaskCache(redis, prefix).bytes(), redis.zcard(keys(prefix).index)]);
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '';
  const used = Number(field('used_memory'));
  const max = Number(field('maxmemory'));
  return { used_bytes: used, max_bytes: max, policy: field('maxmemory_policy'), full: max > 0 && used >= max, cache_bytes: cacheBytes, experiments };
}
