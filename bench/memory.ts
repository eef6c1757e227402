/**
 * Resident memory per worker: runs the seed KNN grid (then the 5-detector SGD) through
 * `gridfold serve --workers 2` and samples every worker process tree (the worker and its
 * sandboxed children) from /proc every 200 ms. Prints peak RSS per process.
 * Run: npx tsx bench/memory.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { startServe, submitAndWait } from './serve-harness.js';

const spec = (name: string) => ({ ...JSON.parse(readFileSync(new URL(`../experiments/${name}.json`, import.meta.url), 'utf8')), cache: false });

function processes(): Array<{ pid: number; ppid: number; rssMb: number; cmd: string }> {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      out.push({ pid: Number(d), ppid, rssMb: rss, cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

const served = await startServe(2, 3800);
const peak = new Map<number, { role: string; rssMb: number }>();
const timer = setInterval(() => {
  const all = processes();
  const workers = all.filter((p) => p.cmd.includes('gridfold.js worker') && p.ppid === served.pid);
  for (const w of workers) {
    for (const p of [w, ...all.filter((c) => c.ppid === w.pid)]) {
      const role = p === w ? `worker ${w.pid}` : `  sandboxed processor of ${w.pid}`;
      const prev = peak.get(p.pid);
      if (!prev || prev.rssMb < p.rssMb) peak.set(p.pid, { role, rssMb: p.rssMb });
    }
  }
}, 200);
try {
  for (const name of ['mnist-knn-grid', 'mnist-5-sgd']) {
    const { view, wallMs } = await submitAndWait(served.url, spec(name));
    console.log(`${name}: ${view.status} in ${(wallMs / 1000).toFixed(1)} s`);
  }
} finally {
  clearInterval(timer);
  await served.stop();
}
console.log('| process | peak RSS |\n|---|---|');
for (const [pid, p] of [...peak.entries()].sort((a, b) => a[0] - b[0])) console.log(`| ${p.role} (pid ${pid}) | ${p.rssMb.toFixed(0)} MB |`);
