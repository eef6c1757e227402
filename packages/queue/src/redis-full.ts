/**
 * What gridfold says when Redis refuses a write because it reached its `maxmemory` under the
 * `noeviction` policy (the compose file's): what happened and how to recover without a restart.
 */
export const REDIS_FULL_MESSAGE =
  'Redis is out of memory (maxmemory reached under the noeviction policy) and refuses writes; free space by deleting old experiments (gridfold prune --older-than <age>, gridfold rm <id>) or raise maxmemory, then retry';

/** A write the store could not make because Redis is full; its message is {@link REDIS_FULL_MESSAGE}. */
export class RedisFullError extends Error {
  override name = 'RedisFullError';
  constructor(readonly reply: Error) {
    super(REDIS_FULL_MESSAGE);
  }
}

/**
 * Whether `err` is Redis refusing a write for lack of memory: an `OOM command not allowed`
 * reply, from a command, a script, or a MULTI aborted because a queued write was refused.
 */
export function isRedisFull(err: unknown): boolean {
  if (err instanceof RedisFullError) return true;
  if (!(err instanceof Error)) return false;
  if (err.message.includes('OOM command not allowed')) return true;
  const previous = (err as { previousErrors?: unknown }).previousErrors;
  return Array.isArray(previous) && previous.some(isRedisFull);
}

/** `write`'s result; a refusal for lack of memory becomes a {@link RedisFullError}, so the reason reads plainly wherever it is reported. */
export async function plainlyFull<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    throw isRedisFull(err) && !(err instanceof RedisFullError) ? new RedisFullError(err as Error) : err;
  }
}

/**
 * Prefixes a Lua script with Redis 7's `allow-oom` flag: it then runs even when Redis is out
 * of memory. Only for scripts that write a few bytes that recovery needs (an experiment's
 * terminal status, the retention lock), never for results.
 */
export function allowOom(script: string): string {
  return `#!lua flags=allow-oom\n${script}`;
}
