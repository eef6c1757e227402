import { FlowProducer, Queue, type JobType } from 'bullmq';
import type { Redis } from 'ioredis';
import { masterConnections, nodeAddress, slotNodes } from './connection.js';
import { QUEUE, queueFor, queueShardPrefix, queueShardsKey, shardOf } from './names.js';

/** Most queue shards a deployment may have (`GRIDFOLD_QUEUE_SHARDS`): each is a BullMQ Worker, and its blocking connection, in every worker process. */
export const MAX_QUEUE_SHARDS = 64;

/**
 * The queue shards of the deployment on `redis` under `prefix` (the key prefix in use, tagged on a
 * cluster): their key prefixes, shard 0 (`prefix`, today's queue) first. Stored once, by the first
 * API or worker (SET NX of {@link queueShardsKey}), and read by every later one: API and workers
 * must agree, since an experiment's jobs go to the shard its id picks among them.
 * @param wanted - `GRIDFOLD_QUEUE_SHARDS`; unset takes the stored shards, or when none are stored
 * yet 1 on one Redis and one per master on a Redis Cluster (the queue's traffic then spreads over
 * every master, and each worker runs no more BullMQ Workers than there are masters to spread over)
 * @throws when `wanted` differs from the stored count: a process with other shards would queue
 * experiments where no worker looks, or look for their jobs where they are not
 */
export async function resolveQueueShards(redis: Redis, prefix: string, wanted?: number): Promise<string[]> {
  const key = queueShardsKey(prefix);
  let stored = await redis.get(key);
  if (stored === null) {
    const count = wanted ?? (redis.isCluster ? masterConnections(redis).length : 1);
    await redis.set(key, JSON.stringify(chooseShards(redis, prefix, count)), 'NX');
    stored = await redis.get(key);
  }
  const prefixes: unknown = JSON.parse(stored ?? '[]');
  if (!Array.isArray(prefixes) || prefixes[0] !== prefix || !prefixes.every((p) => typeof p === 'string')) {
    throw new Error(`${key} holds ${JSON.stringify(stored)}, not a JSON array of queue prefixes starting with ${JSON.stringify(prefix)}; delete it (while no job is queued) to choose the shards again`);
  }
  if (wanted !== undefined && wanted !== prefixes.length) {
    throw new Error(
      `GRIDFOLD_QUEUE_SHARDS is ${wanted}, but this deployment's queue has ${prefixes.length} shard(s), stored in ${key} by its first API or worker; unset GRIDFOLD_QUEUE_SHARDS (or set it to ${prefixes.length}), or delete that key while no job is queued to change the count`,
    );
  }
  return prefixes;
}

/**
 * `count` shard prefixes, shard 0 = `prefix`. On a Redis Cluster each next shard is the first
 * candidate (`{P:q1}`, `{P:q2}`, ...) whose slot is on a master holding the fewest shards so
 * far, so that the shards cover the masters evenly as the cluster's slots lie now (a candidate's
 * slot is a hash; taken in order they would often share a master). One Redis: the first candidates.
 */
function chooseShards(redis: Redis, prefix: string, count: number): string[] {
  const candidates = (n: number) => queueShardPrefix(prefix, n);
  if (!redis.isCluster) return Array.from({ length: count }, (_, n) => candidates(n));
  const masterOf = (p: string) => slotNodes(redis, `${p}:${QUEUE}`)[0] ?? '';
  const load = new Map(masterConnections(redis).map((m) => [nodeAddress(m), 0]));
  const chosen = [prefix];
  load.set(masterOf(prefix), (load.get(masterOf(prefix)) ?? 0) + 1);
  // Past a few thousand candidates the slot map is not one we can spread over (e.g. not loaded): take them in order.
  for (let n = 1; chosen.length < count; n++) {
    const candidate = candidates(n);
    const master = masterOf(candidate);
    const fewest = Math.min(...load.values());
    if (n > 4096 || (load.get(master) ?? 0) === fewest) {
      chosen.push(candidate);
      load.set(master, (load.get(master) ?? 0) + 1);
    }
  }
  return chosen;
}

/**
 * A deployment's queue shards as BullMQ objects: one Queue and one FlowProducer per shard. Every
 * job of experiment `id` goes through {@link queueOf}`(id)` / {@link flowsOf}`(id)`.
 */
export class QueueShards {
  /** One Queue per shard, shard 0 (today's queue) first. */
  readonly queues: Queue[];
  private readonly flows: FlowProducer[];
  private closing: Promise<void> | undefined;

  /** @param prefixes - the shards' key prefixes, from {@link resolveQueueShards} (or `[prefix]`: one queue) */
  constructor(
    connection: Redis,
    readonly prefixes: readonly string[],
  ) {
    this.queues = prefixes.map((prefix) => new Queue(QUEUE, { connection, prefix }));
    this.flows = prefixes.map((prefix) => new FlowProducer({ connection, prefix }));
  }

  /** The queue of experiment `id`'s jobs. */
  queueOf(id: string): Queue {
    return this.queues[shardOf(id, this.queues.length)];
  }

  /** The producer of experiment `id`'s flows (on its queue's prefix). */
  flowsOf(id: string): FlowProducer {
    return this.flows[shardOf(id, this.flows.length)];
  }

  /** The prefix of experiment `id`'s queue. */
  prefixOf(id: string): string {
    return queueFor(this.prefixes, id);
  }

  /** Name of shard `index` in Bull Board and `/health`: `gridfold-jobs` for shard 0, `shard<n>:gridfold-jobs` for the others (all queues are named `gridfold-jobs`). */
  label(index: number): string {
    return index === 0 ? QUEUE : `shard${index}:${QUEUE}`;
  }

  /** Bull Board's name of experiment `id`'s queue. */
  labelOf(id: string): string {
    return this.label(shardOf(id, this.queues.length));
  }

  /** BullMQ's job counts by state, summed over the shards. */
  async jobCounts(...states: JobType[]): Promise<Record<string, number>> {
    const sum: Record<string, number> = {};
    for (const counts of await Promise.all(this.queues.map((q) => q.getJobCounts(...states)))) {
      for (const [state, n] of Object.entries(counts)) sum[state] = (sum[state] ?? 0) + n;
    }
    return sum;
  }

  /** Reports connection errors of every queue and producer to `listener` (ioredis reconnects by itself). */
  onError(listener: (err: Error) => void): void {
    for (const q of this.queues) q.on('error', listener);
    for (const f of this.flows) f.on('error', listener);
  }

  /** Closes every queue and producer (the shared connection stays open). Idempotent. */
  close(): Promise<void> {
    this.closing ??= Promise.all([...this.queues.map((q) => q.close()), ...this.flows.map((f) => f.close())]).then(() => undefined);
    return this.closing;
  }
}
