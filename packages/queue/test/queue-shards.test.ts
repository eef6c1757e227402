import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../src/connection.js';
import { queueFor, queueShardPrefix, queueShardsKey, shardOf } from '../src/names.js';
import { QueueShards, resolveQueueShards } from '../src/queue-shards.js';

const redis = connectRedis();
const prefixes: string[] = [];
const fresh = () => {
  const p = `test-${randomUUID()}`;
  prefixes.push(p);
  return p;
};
afterAll(async () => {
  for (const p of prefixes) await redis.del(queueShardsKey(p));
  redis.disconnect();
});

describe('shardOf', () => {
  it('is FNV-1a of the id modulo the count: the same in every process', () => {
    // FNV-1a 32 of "" is its offset basis 0x811c9dc5 = 2166136261; of "a" 0xe40c292c = 3826002220 (the FNV reference values).
    expect(shardOf('', 7)).toBe(2166136261 % 7);
    expect(shardOf('a', 1000)).toBe(3826002220 % 1000);
    expect(shardOf('anything', 1)).toBe(0);
  });

  it('spreads ids over the shards', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(randomUUID(), 4)]++;
    // 1000 expected per shard; a binomial's standard deviation here is about 27.
    for (const n of counts) expect(Math.abs(n - 1000)).toBeLessThan(200);
  });

  it('names shard 0 by the prefix itself and the others by a tag of their own on a cluster prefix', () => {
    expect(queueShardPrefix('gridfold', 0)).toBe('gridfold');
    expect(queueShardPrefix('{gridfold}', 0)).toBe('{gridfold}');
    expect(queueShardPrefix('{gridfold}', 2)).toBe('{gridfold:q2}');
    expect(queueShardPrefix('gridfold', 2)).toBe('gridfold:q2');
    expect(queueFor(['p', 'p:q1', 'p:q2'], 'a')).toBe(['p', 'p:q1', 'p:q2'][3826002220 % 3]);
  });
});

describe('resolveQueueShards (one Redis)', () => {
  it('is the one queue by default, stored for every later process', async () => {
    const p = fresh();
    expect(await resolveQueueShards(redis, p)).toEqual([p]);
    expect(JSON.parse((await redis.get(queueShardsKey(p)))!)).toEqual([p]);
  });

  it('stores the first process count and refuses a process that asks for another', async () => {
    const p = fresh();
    expect(await resolveQueueShards(redis, p, 3)).toEqual([p, `${p}:q1`, `${p}:q2`]);
    expect(await resolveQueueShards(redis, p)).toEqual([p, `${p}:q1`, `${p}:q2`]);
    await expect(resolveQueueShards(redis, p, 2)).rejects.toThrow(/GRIDFOLD_QUEUE_SHARDS is 2, but this deployment's queue has 3 shard\(s\)/);
  });

  it('routes an experiment to its shard queue', async () => {
    const p = fresh();
    const shards = new QueueShards(redis, await resolveQueueShards(redis, p, 3));
    try {
      const id = 'a';
      expect(shards.queueOf(id).opts.prefix).toBe(shards.prefixes[3826002220 % 3]);
      expect(shards.prefixOf(id)).toBe(shards.prefixes[3826002220 % 3]);
      expect(shards.labelOf(id)).toBe(shards.label(3826002220 % 3));
      expect(shards.label(0)).toBe('gridfold-jobs');
      expect(shards.label(2)).toBe('shard2:gridfold-jobs');
    } finally {
      await shards.close();
    }
  });
});
