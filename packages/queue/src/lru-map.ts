/**
 * A map that keeps at most `max` entries: adding one more drops the least recently used
 * (read or written). For what a long-lived process (a sandboxed processor, the API) keeps per
 * experiment or per key prefix, so that memory stays bounded however many it serves; what is
 * dropped is read again from Redis when needed.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  /**
   * @param max - most entries kept, an integer >= 1
   * @param onEvict - told of each entry dropped to make room (e.g. to close it)
   */
  constructor(
    readonly max: number,
    private readonly onEvict?: (value: V, key: K) => void,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be an integer >= 1, got ${max}`);
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** The value under `key`, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key)!;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Stores `value` under `key` as the most recently used, dropping the least recently used beyond `max`. */
  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    for (const [oldKey, oldValue] of this.entries) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(oldKey);
      this.onEvict?.(oldValue, oldKey);
    }
    return this;
  }

  /** The value under `key`, made by `make` when absent (the first time, or after it was dropped). */
  getOrSet(key: K, make: () => V): V {
    if (this.entries.has(key)) return this.get(key)!;
    const value = make();
    this.set(key, value);
    return value;
  }

  /**
   * The promise under `key`, made by `make` when absent, for values that take a read or a load
   * to make: a promise that rejects is forgotten (unless replaced meanwhile), so the next call
   * tries again instead of getting the same failure for as long as the entry is kept.
   */
  getOrLoad<T>(this: LruMap<K, Promise<T>>, key: K, make: () => Promise<T>): Promise<T> {
    return this.getOrSet(key, () => {
      const loading = make();
      loading.catch(() => this.entries.get(key) === loading && this.entries.delete(key));
      return loading;
    });
  }

  /** Forgets `key` (without telling `onEvict`); whether it was there. */
  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** The keys held, least recently used first. */
  keys(): IterableIterator<K> {
    return this.entries.keys();
  }
}
