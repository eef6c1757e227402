import type { CacheStore } from '@gridfold/core';
import { describe, expect, it } from 'vitest';
import { PendingCacheWrites } from '../src/pending-cache-writes.js';

// A cache whose writes the test finishes by hand, so the order of events is the test's.
function manualCache() {
  const writes: Array<{ entries: Array<[string, Uint8Array]>; finish: () => void; fail: (err: Error) => void }> = [];
  const cache: CacheStore = {
    getMany: async (keys) => keys.map((k) => (k === 'hit' ? new Uint8Array([1]) : null)),
    setMany: (entries) => new Promise<void>((finish, fail) => writes.push({ entries, finish, fail })),
  };
  return { cache, writes };
}

/** `setMany`'s promise, which must resolve while its write is not finished (the test finishes writes later). */
const started = (setMany: Promise<void>) => Promise.race([setMany, new Promise((_, reject) => setTimeout(() => reject(new Error('setMany waited for the write')), 1000))]);
const entry = (key: string): [string, Uint8Array] => [key, new Uint8Array([7])];

describe('PendingCacheWrites', () => {
  it('starts a write at once and returns before it is done; settled() waits for it', async () => {
    const { cache, writes } = manualCache();
    const pending = new PendingCacheWrites(cache);
    await started(pending.setMany([entry('a')]));
    expect(writes.map((w) => w.entries)).toEqual([[entry('a')]]);
    let settled = false;
    const done = pending.settled().then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBe(false);
    writes[0].finish();
    await done;
    expect(settled).toBe(true);
  });

  it('settled() rejects with a write that failed', async () => {
    const { cache, writes } = manualCache();
    const pending = new PendingCacheWrites(cache);
    await started(pending.setMany([entry('a')]));
    await started(pending.setMany([entry('b')]));
    writes[0].finish();
    writes[1].fail(new Error('connection lost'));
    await expect(pending.settled()).rejects.toThrow('connection lost');
  });

  it('reads through to the cache', async () => {
    const { cache } = manualCache();
    expect(await new PendingCacheWrites(cache).getMany(['hit', 'miss'])).toEqual([new Uint8Array([1]), null]);
  });
});
