import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';

/** Default Redis address (the config's `REDIS_URL` overrides it). */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * A Redis Cluster address: `redis+cluster://[user:password@]host:port[,host:port...]` (or
 * `rediss+cluster://` for TLS). The nodes are seeds: any reachable one gives the cluster's map.
 */
const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#@]+)\/?$/;

/** Whether `url` names a Redis Cluster (`redis+cluster://host:port,...`) rather than one Redis. */
export function isClusterUrl(url: string): boolean {
  return CLUSTER_URL.test(url);
}

/** A cluster URL's seed nodes and the options every node connection gets (credentials, TLS); null for a plain Redis URL. */
export function parseClusterUrl(url: string): { nodes: ClusterNode[]; redisOptions: RedisOptions } | null {
  const m = CLUSTER_URL.exec(url);
  if (!m) return null;
  const [, scheme, auth, hosts] = m;
  const nodes = hosts.split(',').map((hostPort) => {
    const at = hostPort.lastIndexOf(':');
    const port = at > 0 ? Number(hostPort.slice(at + 1)) : 6379;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port in Redis Cluster URL node "${hostPort}": an integer from 1 to 65535 is allowed`);
    return { host: (at > 0 ? hostPort.slice(0, at) : hostPort).replace(/^\[|\]$/g, ''), port };
  });
  const redisOptions: RedisOptions = {};
  if (auth) {
    const colon = auth.indexOf(':');
    if (colon < 0) redisOptions.password = decodeURIComponent(auth);
    else {
      if (colon > 0) redisOptions.username = decodeURIComponent(auth.slice(0, colon));
      redisOptions.password = decodeURIComponent(auth.slice(colon + 1));
    }
  }
  if (scheme === 'rediss') redisOptions.tls = {};
  return { nodes, redisOptions };
}

/**
 * An ioredis connection as BullMQ wants it (`maxRetriesPerRequest: null`, so blocking
 * commands wait through a Redis restart instead of failing) that reconnects by itself. A
 * `redis+cluster://` URL gives an ioredis `Cluster`, which follows slot moves and failovers;
 * it is typed as `Redis` because gridfold sends it the same commands (every multi-key script
 * and transaction stays within one hash tag: see {@link keyPrefixFor}), and the few places
 * that differ (INFO, duplicating) ask `isCluster`.
 */
export function connectRedis(url = DEFAULT_REDIS_URL, options: RedisOptions = {}): Redis {
  const cluster = parseClusterUrl(url);
  if (cluster) {
    return new Cluster(cluster.nodes, {
      enableReadyCheck: true,
      clusterRetryStrategy: (times) => Math.min(times * 200, 2000),
      // A failover takes the cluster's node timeout plus an election: keep retrying through it.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 300,
      maxRedirections: 64,
      // The slot map, replicas included, is read again every 5 s, not only on a redirection: a replica that joins later is waited for (see replicated).
      slotsRefreshInterval: 5000,
      redisOptions: { maxRetriesPerRequest: null, enableReadyCheck: true, ...cluster.redisOptions, ...options },
    }) as unknown as Redis;
  }
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...options,
  });
}

/** A second connection to the same Redis (or Cluster) as `redis`, with `options` over its own. */
export function duplicateConnection(redis: Redis, options: RedisOptions): Redis {
  if (!redis.isCluster) return redis.duplicate(options);
  const cluster = redis as unknown as Cluster;
  return cluster.duplicate([], { redisOptions: { ...cluster.options.redisOptions, ...options } }) as unknown as Redis;
}

/**
 * The key prefix to use on `redis`: on a Redis Cluster every key gridfold writes (and BullMQ's,
 * which takes the same prefix) goes under one hash tag, `{<prefix>}`, so that the Lua scripts and
 * transactions that touch several keys find them in one slot (BullMQ needs it too: CROSSSLOT
 * errors otherwise). A prefix that already has a tag is kept; on one Redis the prefix is unchanged.
 */
export function keyPrefixFor(redis: Pick<Redis, 'isCluster'>, prefix: string): string {
  return redis.isCluster && !/\{[^}]+\}/.test(prefix) ? `{${prefix}}` : prefix;
}

/** The connections to each master of a Cluster, or `redis` itself on one Redis: where INFO must be asked. */
export function masterConnections(redis: Redis): Redis[] {
  return redis.isCluster ? ((redis as unknown as Cluster).nodes('master') as Redis[]) : [redis];
}

/**
 * Whether the plain `redis://` URL `url` names a node of a Redis Cluster (`cluster_enabled:1`),
 * which a single-Redis client cannot use (MOVED replies): REDIS_URL must then be `redis+cluster://`.
 * False when nothing answers or the URL is a cluster URL.
 */
export async function isClusterNode(url: string, timeoutMs = 1500): Promise<boolean> {
  if (isClusterUrl(url)) return false;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return /^cluster_enabled:1/m.test(await redis.info('cluster'));
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Whether a Redis (or, for a cluster URL, a Redis Cluster whose slots are all served) answers PING at `url` within `timeoutMs` milliseconds. */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const cluster = parseClusterUrl(url);
  const redis = cluster
    ? (new Cluster(cluster.nodes, { lazyConnect: true, enableOfflineQueue: false, clusterRetryStrategy: () => null, redisOptions: { ...cluster.redisOptions, connectTimeout: timeoutMs, maxRetriesPerRequest: 0 } }) as unknown as Redis)
    : new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  redis.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = (async () => {
      await redis.connect();
      if (cluster && !/cluster_state:ok/.test(String(await redis.call('CLUSTER', 'INFO')))) return false;
      return (await redis.ping()) === 'PONG';
    })();
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs * 2)));
    return await Promise.race([answer.catch(() => false), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}

/** CRC16-XMODEM, the checksum Redis Cluster hashes keys with (cluster spec, "Keys distribution model"). */
function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The Redis Cluster slot of `key`: of its hash tag (the first `{...}` with something inside), else of the whole key. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(Buffer.from(hashed)) % 16384;
}

/**
 * On a Redis Cluster, waits (`WAIT 1 timeoutMs` on the master of `key`'s slot) until a replica
 * has the writes made there, so that a failover right after cannot lose them: replication is
 * asynchronous, and an experiment's keys and its queue are on different masters, so a task's
 * result lost with its master while its job's completion survives on another would count as a
 * failed cell. Best effort: a master without a replica, or one that is gone, is not waited for.
 * Does nothing on one Redis.
 */
export async function replicated(redis: Redis, key: string, timeoutMs = 1000): Promise<void> {
  if (!redis.isCluster) return;
  const [master, ...replicas] = slotNodes(redis, key);
  if (!master || replicas.length === 0) return;
  const node = masterConnections(redis).find((n) => nodeAddress(n) === master);
  await node?.wait(1, timeoutMs).catch(() => {});
}

/** The `host:port` of the nodes serving `key`'s slot on a Redis Cluster as the client last saw its map, master first; none on one Redis. */
export function slotNodes(redis: Redis, key: string): string[] {
  return redis.isCluster ? ((redis as unknown as Cluster).slots[keySlot(key)] ?? []) : [];
}

/** `host:port` of a connection, as a Cluster's slot map names nodes. */
export function nodeAddress(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}
