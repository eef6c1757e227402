import { isTaggedPrefix, masterConnections } from '@gridfold/queue';
import type { Redis } from 'ioredis';

/**
 * Deletes every key under `prefix`: the store's and BullMQ's (a queue's obliterate leaves the
 * store's). On a Redis Cluster each master is scanned, for the prefix's tag `{P}` and for the
 * experiments' own tags `{P:exp:<id>}`, and keys are deleted one by one (they are in several slots).
 */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  const patterns = isTaggedPrefix(prefix) ? [`${prefix}:*`, `{${prefix.slice(1, -1)}:exp:*`] : [`${prefix}:*`];
  for (const node of masterConnections(redis)) {
    for (const pattern of patterns) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length) await (redis.isCluster ? Promise.all(keys.map((key) => redis.del(key))) : redis.del(...keys));
        cursor = next;
      } while (cursor !== '0');
    }
  }
}
