import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * `Idempotency-Key` on submissions (the IETF httpapi draft's header, as Stripe's API uses it): a
 * client that did not get an answer it can trust (a 503 at the API's Redis deadline, a dropped
 * connection) sends the same submission again with the same key and gets the experiment the first
 * one made, instead of a second one running the same sweep.
 *
 * A key is claimed before the submission does any work (`SET NX`), so two requests with one key
 * never both create: the second is told the first is still in progress (409) or, once it is done,
 * gets its experiment. A claim still in progress expires after {@link PENDING_TTL_S} (an API that
 * died mid-submit does not hold the key for a day); a settled one after {@link SETTLED_TTL_S}.
 */

/** Seconds a claim in progress is kept: far longer than any submission takes, short enough that a crashed API's claim does not block a retry for long. */
export const PENDING_TTL_S = 10 * 60;
/** Seconds a settled key keeps answering with its experiment (Stripe keeps keys for 24 hours). */
export const SETTLED_TTL_S = 24 * 60 * 60;

/** Longest key accepted, characters. */
export const MAX_IDEMPOTENCY_KEY = 255;

/** What a key holds: the submission's body hash, and once settled its experiment. */
export interface IdempotencyClaim {
  /** sha256 of the submission's JSON body: the same key with another body is refused, not replayed. */
  body: string;
  state: 'pending' | 'created';
  id?: string;
  tasks?: number;
  /** The (cell, fold) fits of those tasks, when the answer said them. */
  fits?: number;
}

/**
 * Why `key` cannot be an Idempotency-Key, or null if it can: 1 to 255 visible ASCII characters
 * (a UUID is the usual choice).
 */
export function idempotencyKeyProblem(key: string): string | null {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY || !/^[\x21-\x7e]+$/.test(key)) {
    return `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} visible ASCII characters (a UUID, say), got ${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)} (${key.length} characters)`;
  }
  return null;
}

/** sha256 of a submission's body as the API parsed it. */
export function bodyHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body ?? null)).digest('hex');
}

/** Claims, settles and releases submissions' idempotency keys under a prefix. */
export class IdempotencyKeys {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** The key's Redis key: hashed, so any accepted key is a short key in the prefix's slot. */
  private redisKey(key: string): string {
    return `${this.prefix}:idempotency:${createHash('sha256').update(key).digest('hex')}`;
  }

  /**
   * Claims `key` for a submission of `body` (its {@link bodyHash}): `null` when this request holds
   * it now, otherwise what an earlier request with the key left.
   */
  async claim(key: string, body: string): Promise<IdempotencyClaim | null> {
    const k = this.redisKey(key);
    const mine: IdempotencyClaim = { body, state: 'pending' };
    for (;;) {
      if ((await this.redis.set(k, JSON.stringify(mine), 'EX', PENDING_TTL_S, 'NX')) === 'OK') return null;
      const held = await this.redis.get(k);
      // Expired between the two calls: claim again.
      if (held !== null) return JSON.parse(held) as IdempotencyClaim;
    }
  }

  /** Records the experiment the claim made; the key answers with it for {@link SETTLED_TTL_S}. */
  async settle(key: string, body: string, id: string, tasks: number, fits?: number): Promise<void> {
    await this.redis.set(this.redisKey(key), JSON.stringify({ body, state: 'created', id, tasks, ...(fits !== undefined && { fits }) } satisfies IdempotencyClaim), 'EX', SETTLED_TTL_S);
  }

  /** Gives the key up (the submission was refused or failed): the same key may be sent again. */
  async release(key: string): Promise<void> {
    await this.redis.del(this.redisKey(key));
  }
}
