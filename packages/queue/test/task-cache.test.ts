import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectRedis } from '../src/connection.js';
import { RedisTaskCache } from '../src/task-cache.js';

// Sizes are hand-computed: an entry counts its key's bytes plus its value's (one-letter keys here).

const redis = connectRedis();
afterAll(() => redis.disconnect());

let prefix: string;
beforeEach(() => {
  prefix = `test-${randomUUID()}`;
});
afterEach(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length) await redis.del(...found);
});

const value = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('RedisTaskCache byte bound', () => {
  it('holds at most maxBytes, evicting the least recently used first', async () => {
    // Three entries of 1 + 10 bytes fit in 33; a fourth evicts the least recently used (b: a was read since).
    const cache = new RedisTaskCache(redis, prefix, { maxBytes: 33 });
    await cache.setMany([['a', value(10)], ['b', value(10)], ['c', value(10)]]);
    expect(await cache.bytes()).toBe(33);
    await cache.getMany(['a']);
    await cache.setMany([['d', value(10)]]);
    expect(await cache.bytes()).toBe(33);
    expect((await cache.getMany(['a', 'b', 'c', 'd'])).map((v) => v !== null)).toEqual([true, false, true, true]);
  });

  it('evicts as many entries as a large one needs, and no more', async () => {
    // 3 x 10 bytes + 30 = 60 > 40: a and b go (40 left), c stays.
    const cache = new RedisTaskCache(redis, prefix, { maxBytes: 40 });
    await cache.setMany([['a', value(9)], ['b', value(9)], ['c', value(9)]]);
    await cache.setMany([['d', value(29)]]);
    expect((await cache.getMany(['a', 'b', 'c', 'd'])).map((v) => v !== null)).toEqual([false, false, true, true]);
    expect(await cache.bytes()).toBe(40);
  });

  it('counts a replaced entry at its new size only', async () => {
    const cache = new RedisTaskCache(redis, prefix, { maxBytes: 100 });
    await cache.setMany([['a', value(10)]]);
    await cache.setMany([['a', value(20)]]);
    expect(await cache.bytes()).toBe(21);
    expect(await cache.size()).toBe(1);
  });

  it('does not keep an entry larger than the whole cache, and evicts nothing for it', async () => {
    const cache = new RedisTaskCache(redis, prefix, { maxBytes: 20 });
    await cache.setMany([['a', value(10)]]);
    await cache.setMany([['b', value(20)]]);
    expect((await cache.getMany(['a', 'b'])).map((v) => v !== null)).toEqual([true, false]);
    expect(await cache.bytes()).toBe(11);
  });

  it('gives binary values back byte for byte', async () => {
    const cache = new RedisTaskCache(redis, prefix);
    const bytes = Uint8Array.from([0, 255, 10, 13, 0, 128, 1]);
    await cache.setMany([['k', bytes.subarray(1)]]);
    const [back] = await cache.getMany(['k']);
    expect(Array.from(back!)).toEqual([255, 10, 13, 0, 128, 1]);
  });
});
