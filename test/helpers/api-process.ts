import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@gridfold/cli';

const BIN = fileURLToPath(new URL('../../apps/cli/bin/gridfold.js', import.meta.url));

/**
 * A real API process, `gridfold serve --workers 0`, on a free port of 127.0.0.1 that it keeps
 * across restarts: tests kill it as a crashing host would and start it again.
 */
export class ApiProcess {
  child?: ChildProcess;
  port = 0;

  constructor(private readonly env: Record<string, string>) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process and resolves once GET /health answers 200. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (!this.port) this.port = await freePort();
    this.child = spawn(process.execPath, [BIN, 'serve', '--workers', '0', '--port', String(this.port), '--host', '127.0.0.1'], {
      stdio: ['ignore', 'ignore', process.env.GRIDFOLD_TEST_LOGS ? 'inherit' : 'ignore'],
      env: { ...process.env, ...this.env },
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`gridfold serve exited with code ${this.child.exitCode}`);
      const ok = await fetch(`${this.url}/health`).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`gridfold serve did not answer on ${this.url}/health within ${timeoutMs} ms`);
  }

  /** Sends `signal` and resolves when the process has exited. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /** GET or POST JSON; resolves with the status and the parsed body. */
  async json(path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.url}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  }
}
