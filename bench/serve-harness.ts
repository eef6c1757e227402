import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../apps/cli/bin/gridfold.js', import.meta.url));

/** A `gridfold serve --workers N` process on its own port and key prefix, for benchmarks. */
export interface Served {
  url: string;
  /** pid of the `gridfold serve` process (its workers are its children). */
  pid: number;
  stop(): Promise<void>;
}

export async function startServe(workers: number, port: number, env: Record<string, string> = {}): Promise<Served> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--workers', String(workers), '--port', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, GRIDFOLD_PREFIX: `bench-${randomUUID()}`, ...env },
  });
  child.stderr!.resume();
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Submits a spec and polls until it ends; returns the API's final view and the wall time (ms). */
export async function submitAndWait(url: string, spec: unknown): Promise<{ view: any; wallMs: number }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/experiments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
  if (res.status !== 201) throw new Error(`submit failed: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  for (;;) {
    const view = (await (await fetch(`${url}/api/experiments/${id}`)).json()) as any;
    if (['completed', 'failed', 'cancelled'].includes(view.status)) return { view, wallMs: performance.now() - t0 };
    await new Promise((r) => setTimeout(r, 25));
  }
}
