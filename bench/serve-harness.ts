import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
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
    // GRIDFOLD_BENCH_STDERR=1 shows the server's and workers' logs (its stderr), to see why a bench run failed.
    stdio: ['ignore', 'ignore', process.env.GRIDFOLD_BENCH_STDERR ? 'inherit' : 'pipe'],
    env: { ...process.env, GRIDFOLD_PREFIX: `bench-${randomUUID()}`, ...env },
  });
  child.stderr?.resume();
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

/**
 * Submits a spec and polls until it ends; returns the API's final view and the wall time
 * (ms): the experiment's own created_at -> finished_at, as the store records them. Polling
 * is gentle (200 ms, like a dashboard) because each poll makes the API read and aggregate
 * the results so far: at 25 ms it took CPU from the workers being measured.
 */
export async function submitAndWait(url: string, spec: unknown): Promise<{ view: any; wallMs: number }> {
  const res = await fetch(`${url}/api/experiments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
  if (res.status !== 201) throw new Error(`submit failed: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  for (;;) {
    const view = (await (await fetch(`${url}/api/experiments/${id}`)).json()) as any;
    if (['completed', 'failed', 'cancelled'].includes(view.status)) return { view, wallMs: view.finished_at - view.created_at };
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A small KNN sweep on MNIST (4 fold tasks, refit on 1,000 images), run and awaited before
 * a timed case: every worker then has its processor started, MNIST loaded and its
 * onnxruntime sessions built, as in a long-running deployment. The scikit-learn scripts
 * likewise time only the fitting, after imports and the data load.
 */
export async function warmUp(url: string): Promise<void> {
  const spec = {
    name: 'bench-warm-up',
    dataset: { source: 'mnist' },
    estimator: { name: 'KNeighborsClassifier' },
    param_grid: { n_neighbors: [1, 2] },
    cv: { n_splits: 4, subset: 800 },
    group_cells: false,
    refit: { subset: 1000, metrics: ['accuracy'] },
    cache: false,
  };
  const { view } = await submitAndWait(url, spec);
  if (view.status !== 'completed') throw new Error(`warm-up sweep ${view.status}: ${view.error}`);
}

/** CPU milliseconds (user + system) used so far by a `gridfold serve`'s processes, by role. */
export interface ServeCpu {
  /** The serve process itself: the API. */
  api: number;
  /** The `gridfold worker` processes: BullMQ's fetch and completion, locks, the sandbox's parent side. */
  workers: number;
  /** The workers' sandboxed processors: plan, data, fit and score, store and task-cache writes. */
  children: number;
}

/**
 * The CPU time of the process `pid` (a `gridfold serve`) and its descendants, read from /proc
 * (Linux), by role: on a shared machine wall times vary with the load, CPU time per task much less.
 * A process that already ended is not counted (the sandboxed children live as long as their worker).
 */
export function serveCpu(pid: number): ServeCpu {
  const tree = new Map<number, { ppid: number; ms: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, in clock ticks (100 a second on Linux).
      tree.set(Number(d), { ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * 10 });
    } catch {
      // The process ended while we read it.
    }
  }
  const depth = (p: number): number => (p === pid ? 0 : tree.has(p) && p > 1 ? depth(tree.get(p)!.ppid) + 1 : -Infinity);
  const cpu: ServeCpu = { api: 0, workers: 0, children: 0 };
  for (const [p, { ms }] of tree) {
    const d = depth(p);
    if (d === 0) cpu.api += ms;
    else if (d === 1) cpu.workers += ms;
    else if (d >= 2) cpu.children += ms;
  }
  return cpu;
}

/** The CPU milliseconds a process (e.g. redis-server) has used so far, from /proc (Linux). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}
