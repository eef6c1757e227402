import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@gridfold/cli';
import { redisAnswers } from '@gridfold/queue';

/** A private redis-server with AOF on (as in docker-compose.yml), in a temp dir, restartable. */
export class PrivateRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'gridfold-redis-'));
  port = 0;
  private child?: ChildProcess;

  /** @param extraArgs - more redis-server options, after (and so over) the defaults, e.g. `['--maxmemory', '20mb']` */
  constructor(private readonly extraArgs: string[] = []) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction', ...this.extraArgs], { stdio: 'ignore' });
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
    const child = this.child;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
