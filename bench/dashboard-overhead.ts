/**
 * Does an open dashboard slow a sweep? The seed KNN grid (experiments/mnist-knn-grid.json)
 * through `gridfold serve --workers 2`, alternately with no page open and with headless
 * Chromium showing the experiment's page and the list page (two live event streams) for the
 * whole run. Each run gets a fresh server and key prefix (cold task cache, workers load MNIST).
 * Wall time = submit to completed. On a shared machine wall times are noisy, so the CPU time
 * the API process and Chromium's processes used during each run is reported too (from /proc).
 * Run: npx tsx bench/dashboard-overhead.ts [repeats=2]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { launchChromium } from '../test/helpers/browser.js';
import { startServe, submitAndWait } from './serve-harness.js';

const spec = JSON.parse(readFileSync(new URL('../experiments/mnist-knn-grid.json', import.meta.url), 'utf8'));
const repeats = Number(process.argv[2] ?? 2);
const chrome = await launchChromium();
const times: Record<'without' | 'with', number[]> = { without: [], with: [] };
const cpu: Record<'without' | 'with', Array<{ api: number; chromium: number }>> = { without: [], with: [] };

/** pid → [parent pid, command line, CPU seconds (user + system)] of every process. */
function processes(): Map<number, [number, string, number]> {
  const out = new Map<number, [number, string, number]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(d), [Number(f[1]), readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' '), (Number(f[11]) + Number(f[12])) / 100]);
    } catch {
      // The process ended while we read it.
    }
  }
  return out;
}

/** CPU seconds so far of the API process on `port` and of the Chromium processes under this one. */
function cpuNow(port: number): { api: number; chromium: number } {
  const ps = processes();
  const isOurs = (pid: number): boolean => pid === process.pid || (pid > 1 && ps.has(pid) && isOurs(ps.get(pid)![0]));
  let api = 0;
  let chromium = 0;
  for (const [pid, [, cmd, s]] of ps) {
    if (cmd.includes(' serve ') && cmd.includes(`--port ${port}`)) api += s;
    else if (cmd.startsWith('/usr/lib/chromium/') && isOurs(pid)) chromium += s;
  }
  return { api, chromium };
}

for (let r = 0; r < repeats; r++) {
  for (const arm of ['without', 'with'] as const) {
    const port = 3450 + Math.floor(Math.random() * 500);
    const served = await startServe(2, port);
    const pages = arm === 'with' ? [await chrome.context.newPage(), await chrome.context.newPage()] : [];
    try {
      if (pages.length) await pages[1].goto(`${served.url}/`);
      const cpu0 = cpuNow(port);
      // The experiment page opens right after submission, while the first tasks start.
      const opened = (async () => {
        if (!pages.length) return;
        for (;;) {
          const { experiments } = (await (await fetch(`${served.url}/api/experiments`)).json()) as { experiments: Array<{ id: string }> };
          if (experiments[0]) return void (await pages[0].goto(`${served.url}/experiments/${experiments[0].id}`));
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const [{ view, wallMs }] = await Promise.all([submitAndWait(served.url, spec), opened]);
      if (pages.length) await pages[0].locator('h1 [data-status="completed"]').waitFor({ timeout: 10_000 });
      const cpu1 = cpuNow(port);
      times[arm].push(wallMs / 1000);
      cpu[arm].push({ api: cpu1.api - cpu0.api, chromium: cpu1.chromium - cpu0.chromium });
      console.error(`${arm} dashboard: ${(wallMs / 1000).toFixed(2)} s (best_score ${view.result?.best_score}), CPU: API ${(cpu1.api - cpu0.api).toFixed(2)} s, Chromium ${(cpu1.chromium - cpu0.chromium).toFixed(2)} s`);
    } finally {
      await Promise.all(pages.map((p) => p.close()));
      await served.stop();
    }
  }
}
await chrome.close();

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (xs: number[]) => `${xs.map((x) => x.toFixed(2)).join(' s, ')} s (mean ${mean(xs).toFixed(2)} s)`;
console.log('| seed KNN grid, gridfold serve --workers 2 | wall time per run | API CPU per run (mean) | Chromium CPU per run (mean) |');
console.log('|---|---|---|---|');
for (const arm of ['without', 'with'] as const) {
  const label = arm === 'without' ? 'no page open' : 'dashboard open (experiment page + list, Chromium)';
  console.log(`| ${label} | ${fmt(times[arm])} | ${mean(cpu[arm].map((c) => c.api)).toFixed(2)} s | ${mean(cpu[arm].map((c) => c.chromium)).toFixed(2)} s |`);
}
