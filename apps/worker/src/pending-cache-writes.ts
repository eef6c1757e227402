import type { CacheStore } from '@gridfold/core';

/**
 * A task cache whose writes a task waits for at its end, not where they are made: the write of
 * a task's fresh cells goes out on the processor's one Redis connection just before its
 * `endTask`, and both are answered in one round trip instead of two (Redis runs one
 * connection's commands in order, so the cells are still written before the result is
 * stored). A failed write is known once {@link settled} is awaited.
 */
export class PendingCacheWrites implements CacheStore {
  private readonly pending: Array<Promise<void>> = [];

  constructor(private readonly cache: CacheStore) {}

  getMany(keys: string[]): Promise<Array<Uint8Array | null>> {
    return this.cache.getMany(keys);
  }

  /** Starts the write and returns at once; its outcome is {@link settled}'s. */
  setMany(entries: Array<[string, Uint8Array]>): Promise<void> {
    const write = this.cache.setMany(entries);
    // Awaited in settled(); until then its rejection must not count as unhandled.
    write.catch(() => {});
    this.pending.push(write);
    return Promise.resolve();
  }

  /** Resolves once every write started so far is done; rejects with the first that failed. */
  async settled(): Promise<void> {
    await Promise.all(this.pending.splice(0));
  }
}
