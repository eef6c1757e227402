import type { Redis } from 'ioredis';
import { masterConnections } from './connection.js';
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

/**
 * Redis's memory in use and its limit, the task cache's bytes and the number of experiments under
 * `prefix`. On a Redis Cluster, INFO is asked of every master: bytes in use and limits are summed
 * (no limit on any master: 0), and it is full when any master is (writes to that master's slots
 * are refused, and gridfold's keys may be there).
 */
export async function redisMemory(redis: Redis, prefix: string): Promise<RedisMemory> {
  const [infos, cacheBytes, experiments] = await Promise.all([Promise.all(masterConnections(redis).map((node) => node.info('memory'))), new RedisTaskCache(redis, prefix).bytes(), redis.zcard(keys(prefix).index)]);
  const nodes = infos.map((info) => {
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '';
    const used = Number(field('used_memory'));
    const max = Number(field('maxmemory'));
    return { used, max, policy: field('maxmemory_policy'), full: max > 0 && used >= max };
  });
  const max = nodes.some((n) => n.max === 0) ? 0 : nodes.reduce((sum, n) => sum + n.max, 0);
  return { used_bytes: nodes.reduce((sum, n) => sum + n.used, 0), max_bytes: max, policy: nodes[0]?.policy ?? '', full: nodes.some((n) => n.full), cache_bytes: cacheBytes, experiments };
}
