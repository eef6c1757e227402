import { masterConnections } from '@gridfold/queue';
import type { Redis } from 'ioredis';

/**
 * Deletes every key under `prefix`: the store's and BullMQ's (a queue's obliterate leaves the
 * store's). On a Redis Cluster each master is scanned; its keys share one hash tag, so one DEL takes a batch.
 */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  for (const node of masterConnections(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
}
