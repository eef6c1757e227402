import { describe, expect, it } from 'vitest';
import { ensureRedis } from '../src/redis-setup.js';

describe('ensureRedis', () => {
  it('refuses a REDIS_URL on another host that does not answer, instead of starting a private Redis in its place', async () => {
    // 198.18.0.0/15 is reserved for tests (RFC 2544): nothing answers there.
    const logs: string[] = [];
    await expect(ensureRedis('redis://198.18.0.1:6390', (m) => logs.push(m))).rejects.toThrow(
      'no Redis answers at redis://198.18.0.1:6390 (REDIS_URL). gridfold starts a private Redis only in place of one on this machine; check the address and that Redis runs there.',
    );
    expect(logs).toEqual([]);
  });

  it('starts a private redis-server in place of a loopback one that does not answer', async () => {
    const logs: string[] = [];
    const redis = await ensureRedis('redis://127.0.0.1:1', (m) => logs.push(m));
    try {
      expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      expect(logs[0]).toMatch(/^no Redis at redis:\/\/127\.0\.0\.1:1; started a private redis-server at /);
    } finally {
      redis.stop();
    }
  });

  it('refuses a Redis Cluster URL that does not answer, even on loopback: a private single Redis is no cluster', async () => {
    const logs: string[] = [];
    await expect(ensureRedis('redis+cluster://127.0.0.1:1,127.0.0.1:2', (m) => logs.push(m))).rejects.toThrow(
      'no Redis Cluster with every slot served answers at redis+cluster://127.0.0.1:1,127.0.0.1:2 (REDIS_URL)',
    );
    expect(logs).toEqual([]);
  });
});
