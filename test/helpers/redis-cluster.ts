import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

/** One redis-server of a {@link PrivateRedisCluster}. */
export interface ClusterNodeProcess {
  port: number;
  child: ChildProcess;
}

/**
 * A private Redis Cluster of real redis-server processes (`--cluster-enabled yes`), made with
 * `redis-cli --cluster create ... --cluster-replicas 1`: three masters with one replica each by
 * default, nothing on disk beyond the nodes' config files, a short node timeout so that a
 * killed master's replica takes over within seconds.
 */
export class PrivateRedisCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'gridfold-cluster-'));
  readonly nodes: ClusterNodeProcess[] = [];

  /**
   * @param ports - one per node (masters first, as `redis-cli --cluster create` pairs them)
   * @param nodeTimeoutMs - `cluster-node-timeout`: how long a master may be unreachable before its replica is promoted
   */
  constructor(
    readonly ports: number[],
    private readonly nodeTimeoutMs = 1000,
  ) {}

  /** A seed URL with every node, as `REDIS_URL` takes it. */
  get url(): string {
    return `redis+cluster://${this.ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
  }

  async start(): Promise<void> {
    for (const port of this.ports) {
      const child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--dir', this.dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', String(this.nodeTimeoutMs), '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      this.nodes.push({ port, child });
    }
    for (const { port } of this.nodes) await this.waitFor(async () => (await this.cli(port, 'ping')).trim() === 'PONG', `redis-server on ${port} to answer`);
    await run('redis-cli', ['--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes']);
    await this.waitFor(async () => {
      for (const { port } of this.nodes) if (!(await this.cli(port, 'cluster', 'info')).includes('cluster_state:ok')) return false;
      return true;
    }, 'every node to report cluster_state:ok');
    // A client reads its slot map (replicas included) when it connects: every range must list its replica by then.
    const redis = new Redis(this.ports[0], '127.0.0.1');
    try {
      await this.waitFor(async () => ((await redis.call('CLUSTER', 'SLOTS')) as unknown[][]).every((range) => range.length >= 4), 'every slot range to list a replica');
    } finally {
      redis.disconnect();
    }
  }

  /** `redis-cli -p port args...`'s output ('' when the node does not answer). */
  async cli(port: number, ...args: string[]): Promise<string> {
    try {
      return (await run('redis-cli', ['-p', String(port), ...args], { timeout: 2000 })).stdout;
    } catch {
      return '';
    }
  }

  /** The port of the master serving the slot of `key` (`CLUSTER KEYSLOT`, then `CLUSTER SLOTS`). */
  async masterOf(key: string): Promise<number> {
    return (await this.servers(key))[0];
  }

  /** The ports of the master serving the slot of `key`, then of its replicas. */
  async servers(key: string): Promise<number[]> {
    const node = this.nodes.find((n) => n.child.exitCode === null && n.child.signalCode === null)!;
    const redis = new Redis(node.port, '127.0.0.1', { lazyConnect: true });
    try {
      await redis.connect();
      const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', key));
      const ranges = (await redis.call('CLUSTER', 'SLOTS')) as Array<[number, number, ...Array<[string, number]>]>;
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`no node serves slot ${slot}`);
      return (range.slice(2) as Array<[string, number]>).map(([, port]) => port);
    } finally {
      redis.disconnect();
    }
  }

  /** The masters' ports as a live node sees them now. */
  async masters(): Promise<number[]> {
    const node = this.nodes.find((n) => n.child.exitCode === null && n.child.signalCode === null)!;
    const lines = (await this.cli(node.port, 'cluster', 'nodes')).trim().split('\n');
    return lines.filter((l) => / master /.test(` ${l.split(' ')[2].replace(/,/g, ' ')} `) && !l.includes('fail')).map((l) => Number(/:(\d+)@/.exec(l)![1]));
  }

  /** Sends `signal` to the node on `port` (SIGSTOP freezes it as a hung host would, SIGCONT lets it go on). */
  signal(port: number, signal: NodeJS.Signals): void {
    this.nodes.find((n) => n.port === port)!.child.kill(signal);
  }

  /** SIGKILLs the node on `port`, as a crashed host would end. */
  kill(port: number): Promise<void> {
    const node = this.nodes.find((n) => n.port === port)!;
    if (node.child.exitCode !== null || node.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      node.child.once('exit', () => resolve());
      node.child.kill('SIGKILL');
    });
  }

  /**
   * SIGKILLs the master serving the slot of `key` and waits until one of its replicas serves it
   * (at most `timeoutMs` milliseconds); resolves with the ports of the killed and promoted nodes.
   */
  async failover(key: string, timeoutMs = 20_000): Promise<{ killed: number; promoted: number }> {
    const killed = await this.masterOf(key);
    await this.kill(killed);
    let promoted = killed;
    await this.waitFor(async () => (promoted = await this.masterOf(key).catch(() => killed)) !== killed, `a replica of ${killed} to take over`, timeoutMs);
    return { killed, promoted };
  }

  /** Kills every node and deletes the directory of their config files. */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n.port)));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}

/**
 * Ends a test file's gridfold processes and then the cluster under them: the cluster goes away
 * whole, its keys with it, and a close of gridfold that fails or hangs (15 s) must not keep the
 * servers up.
 */
export async function closeOnCluster(gridfold: { close(): Promise<void> } | undefined, cluster: PrivateRedisCluster): Promise<void> {
  try {
    await Promise.race([gridfold?.close(), new Promise((r) => setTimeout(r, 15_000))]).catch(() => {});
  } finally {
    await cluster.close();
  }
}
