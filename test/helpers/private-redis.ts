import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@gridfold/cli';
import { redisAnswers } from '@gridfold/queue';

/**
 * A private redis-server with AOF on, in a temp dir, restartable. `appendfsync` is `always`
 * by default; docker-compose.yml runs `everysec` (an fsync a second, in the background).
 */
export class PrivateRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'gridfold-redis-'));
  port = 0;
  private child?: ChildProcess;

  private readonly options: { appendfsync?: 'always' | 'everysec'; extraArgs?: string[] };
  /**
   * @param options - more redis-server options, after (and so over) the defaults (e.g.
   *   `['--maxmemory', '20mb']`), or the AOF fsync policy and those options
   */
  constructor(options: string[] | { appendfsync?: 'always' | 'everysec'; extraArgs?: string[] } = {}) {
    this.options = Array.isArray(options) ? { extraArgs: options } : options;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', this.options.appendfsync ?? 'always', '--save', '', '--maxmemory-policy', 'noeviction', ...(this.options.extraArgs ?? [])], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await redisAnswers(this.url, 200)); i++) await new Promise((r) => setTimeout(r, 50));
  }

  /** Freezes the server (SIGSTOP): connections stay open and nothing answers, as with a hung Redis or a lost network. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Lets a paused server go on (SIGCONT). */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Stops the server (SIGTERM: it flushes the AOF and exits). */
  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  /** Kills the server outright (SIGKILL: no flush; what was written to the AOF file stays, in the OS's cache). */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** The AOF file that takes the writes (Redis 7 appends to the last `*.incr.aof` of appendonlydir). */
  aofFile(): string {
    const incr = readdirSync(join(this.dir, 'appendonlydir')).filter((f) => f.endsWith('.incr.aof'));
    const seq = (f: string) => Number(f.split('.').at(-3));
    return join(this.dir, 'appendonlydir', incr.sort((a, b) => seq(a) - seq(b)).at(-1)!);
  }

  private signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}
