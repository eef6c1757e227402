import { createHash } from 'node:crypto';

/**
 * Bumped whenever a change could alter a stored result (an estimator, a metric, the folds) or
 * how it is stored: it is part of every cache key, so old entries simply stop matching (and,
 * never used again, are the first to be evicted).
 */
export const RESULT_CODE_VERSION = 'gridfold-results-2';

/**
 * Where cached results live (Redis in the distributed runner). Values are bytes: a refit's
 * JSON text, or a cell's JSON followed by its binary out-of-fold outputs.
 */
export interface CacheStore {
  getMany(keys: string[]): Promise<Array<Uint8Array | null>>;
  setMany(entries: Array<[string, Uint8Array]>): Promise<void>;
}

/** sha256 of a value's canonical JSON (object keys sorted at every level): a content key. */
export function digest(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
