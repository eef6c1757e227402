import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** Runs `ip` with `args`; throws with ip's own complaint. */
function ip(...args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
  }
}

function has(command: string, ...args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why this machine cannot build {@link Lan}s, or null when it can: not Linux, not root, no
 * `ip` (iproute2) or redis-server, or the kernel refuses a namespace, a veth pair or a bridge
 * (a container without CAP_SYS_ADMIN / CAP_NET_ADMIN). Tries each for real in a probe
 * namespace, removed again.
 */
export function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return `network namespaces need root (uid ${process.getuid?.()})`;
  if (!has('ip', '-V')) return '`ip` (iproute2) is not installed';
  if (!has('redis-server', '--version')) return 'redis-server is not installed';
  const probe = `gf${process.pid}probe`;
  try {
    ip('netns', 'add', probe);
    ip('-n', probe, 'link', 'set', 'lo', 'up');
    ip('-n', probe, 'link', 'add', 'name', 'a', 'type', 'veth', 'peer', 'name', 'b');
    ip('-n', probe, 'link', 'add', 'name', 'br0', 'type', 'bridge');
    execFileSync('ip', ['netns', 'exec', probe, 'true'], { stdio: 'ignore' });
    return null;
  } catch (err) {
    return `cannot build network namespaces here: ${(err as Error).message}`;
  } finally {
    try {
      ip('netns', 'del', probe);
    } catch {
      // it was never made
    }
  }
}

/**
 * Removes what earlier runs left behind when they were killed before {@link Lan.destroy} ran
 * (vitest killed by a timeout or ^C): every `gf<pid>-*` namespace whose pid is no longer a
 * live process, with the processes still running in it. Deleting a namespace deletes its veth
 * ends, and with them their peers (the root namespace's `gf<pid>h` link).
 */
export function sweepStaleLans(): string[] {
  const removed: string[] = [];
  for (const line of ip('netns', 'list').split('\n')) {
    const ns = line.split(' ')[0];
    const pid = /^gf(\d+)-/.exec(ns)?.[1];
    if (!pid || alive(Number(pid))) continue;
    for (const p of ip('netns', 'pids', ns).split('\n').filter(Boolean)) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      ip('netns', 'del', ns);
      removed.push(ns);
    } catch {
      // another run swept it first
    }
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One machine of a {@link Lan}: its namespace and its address. */
export interface Host {
  name: string;
  ns: string;
  ip: string;
}

/**
 * A small LAN of network namespaces, one per "host", each with `lo` up and an `eth0` plugged
 * into one bridge. The bridge lives in a namespace of its own (the "switch"), not the root
 * namespace, so the host's firewall (Docker's FORWARD DROP, with br_netfilter) never sees the
 * traffic. The root namespace can join as one more host (its own veth into the switch), so the
 * test process reaches every host by IP. The subnet is one /24 of 198.18.0.0/15 (RFC 2544's
 * benchmarking range) that no interface of the root namespace uses. Names carry the pid, so
 * concurrent runs do not collide; {@link destroy} removes everything, whatever was made.
 */
export class Lan {
  readonly tag = `gf${process.pid}`;
  readonly subnet: string;
  private readonly switchNs = `${this.tag}-sw`;
  private readonly hosts = new Map<string, Host>();
  private readonly namespaces: string[] = [];
  private rootLink?: string;
  private readonly children = new Set<ChildProcess>();

  constructor() {
    sweepStaleLans();
    const used = ip('-4', '-o', 'addr', 'show') + ip('-4', 'route', 'show', 'table', 'all');
    let n = process.pid % 250;
    for (let i = 0; i < 250 && used.includes(`198.18.${n}.`); i++) n = (n + 1) % 250;
    this.subnet = `198.18.${n}`;
    try {
      this.addNamespace(this.switchNs);
      ip('-n', this.switchNs, 'link', 'add', 'name', 'br0', 'type', 'bridge');
      ip('-n', this.switchNs, 'link', 'set', 'br0', 'up');
    } catch (err) {
      for (const ns of this.namespaces) execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      throw err;
    }
  }

  /** Adds host `name` (a new namespace) at address `<subnet>.<octet>`, plugged into switch port `p-<name>`. */
  addHost(name: string, octet: number): Host {
    const ns = `${this.tag}-${name}`;
    this.addNamespace(ns);
    ip('-n', this.switchNs, 'link', 'add', 'name', `p-${name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    this.plug(name);
    const host = { name, ns, ip: `${this.subnet}.${octet}` };
    ip('-n', ns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    this.hosts.set(name, host);
    return host;
  }

  /** Plugs the root namespace (this process) in at `<subnet>.<octet>`, switch port `p-root`; returns its address. */
  joinRoot(octet: number): string {
    this.rootLink = `${this.tag}h`;
    ip('link', 'add', 'name', this.rootLink, 'type', 'veth', 'peer', 'name', 'p-root', 'netns', this.switchNs);
    this.plug('root');
    const address = `${this.subnet}.${octet}`;
    ip('addr', 'add', `${address}/24`, 'dev', this.rootLink);
    ip('link', 'set', this.rootLink, 'up');
    return address;
  }

  /**
   * Pulls host `name`'s cable at the switch (its port down). The host notices nothing: no
   * reset, no error; its packets go nowhere and its open connections hang, as in a real
   * partition. Its TCP connections survive a short cut: {@link mend} and they carry on.
   */
  cut(name: string): void {
    ip('-n', this.switchNs, 'link', 'set', `p-${name}`, 'down');
  }

  /** Plugs host `name`'s cable back in. */
  mend(name: string): void {
    ip('-n', this.switchNs, 'link', 'set', `p-${name}`, 'up');
  }

  /**
   * Starts `command` inside host `name`'s namespace (`ip netns exec`, which execs it: the pid
   * is the command's), in a process group of its own so {@link kill} takes its children too.
   */
  spawn(name: string, command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no host ${name} on this LAN`);
    const child = spawn('ip', ['netns', 'exec', host.ns, command, ...args], { ...options, detached: true });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** SIGKILLs a process started by {@link spawn} and its group; resolves once it has exited. */
  kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        resolve();
      }
    });
  }

  /** Kills every process it started, then deletes the namespaces (their links go with them) and the root's link. Never throws. */
  async destroy(): Promise<void> {
    await Promise.all([...this.children].map((c) => this.kill(c)));
    for (const ns of this.namespaces.splice(0).reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    if (this.rootLink) {
      try {
        // Gone already when its peer's namespace went; deleted here if that failed.
        ip('link', 'del', this.rootLink);
      } catch {
        // already gone
      }
      this.rootLink = undefined;
    }
  }

  private addNamespace(ns: string): void {
    ip('netns', 'add', ns);
    this.namespaces.push(ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  }

  private plug(name: string): void {
    ip('-n', this.switchNs, 'link', 'set', `p-${name}`, 'master', 'br0');
    ip('-n', this.switchNs, 'link', 'set', `p-${name}`, 'up');
  }
}
