import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isClusterNode, isClusterUrl, redisAnswers } from '@gridfold/queue';

/** A Redis to use, and how to stop it if we started it. */
export interface RedisHandle {
  url: string;
  stop(): void;
}

/**
 * Finds Redis: `url` (the config's `REDIS_URL`) if it answers; otherwise, when `url` is on this
 * machine's loopback, a private redis-server on a free port when one is on PATH; otherwise an
 * error that says how to get one. A Redis on another host that does not answer is an error,
 * never replaced: an API on a private Redis would take submissions no worker ever sees. Nor is a
 * Redis Cluster (`redis+cluster://`), wherever it is.
 */
export async function ensureRedis(url: string, log: (msg: string) => void): Promise<RedisHandle> {
  if (await redisAnswers(url)) {
    if (await isClusterNode(url)) {
      const node = new URL(url);
      throw new Error(`${url} (REDIS_URL) is a node of a Redis Cluster: set REDIS_URL=redis+cluster://${node.host} (more nodes after commas) so that gridfold uses it as a cluster`);
    }
    return { url, stop: () => {} };
  }
  if (isClusterUrl(url)) {
    throw new Error(`no Redis Cluster with every slot served answers at ${url} (REDIS_URL): check the seed nodes' addresses and \`redis-cli -p <port> cluster info\` (cluster_state:ok). A cluster is never replaced by a private Redis.`);
  }
  if (!isLoopbackUrl(url)) {
    throw new Error(`no Redis answers at ${url} (REDIS_URL). gridfold starts a private Redis only in place of one on this machine; check the address and that Redis runs there.`);
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gridfold-redis-'));
  let child: ChildProcess;
  try {
    child = await startRedisServer(port, dir);
  } catch {
    throw new Error(
      `no Redis answers at ${url} and redis-server is not on PATH. Start one (apt-get install redis-server; or docker compose up redis) or set REDIS_URL.`,
    );
  }
  const privateUrl = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await redisAnswers(privateUrl, 200)); i++) await new Promise((r) => setTimeout(r, 100));
  log(`no Redis at ${url}; started a private redis-server at ${privateUrl} (data in ${dir})`);
  return { url: privateUrl, stop: () => child.kill('SIGTERM') };
}

function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function startRedisServer(port: number, dir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('spawn', () => resolve(child));
  });
}

/** A free TCP port on 127.0.0.1 (bound once, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
