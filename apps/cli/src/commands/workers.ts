import type { GridfoldConfig } from '@gridfold/core';
import type { WorkerRecord } from '@gridfold/queue';
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';

/** `gridfold workers [--json]`: the live worker processes, from their heartbeats in Redis, through the API. */
export function registerWorkers(program: Command, config: GridfoldConfig): void {
  program
    .command('workers')
    .option('--api <url>', 'gridfold API', config.apiUrl)
    .option('--json', 'print the API response as JSON')
    .description('list live workers: host, pid, threads, current task, last heartbeat')
    .action(async (flags: { api: string; json?: boolean }) => {
      const list = await new ApiClient(flags.api, config.token).workers();
      if (flags.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
      process.stdout.write(formatWorkers(list.workers, Date.now()));
    });
}

/** The live workers as a table, one line per worker, then a count. `now` (ms) ages the running jobs. */
export function formatWorkers(workers: WorkerRecord[], now: number): string {
  const rows = [
    ['WORKER', 'HOST', 'PID', 'THREADS', 'JOBS', 'CURRENT', 'HEARTBEAT'],
    ...workers.map((w) => [
      w.name ?? '-',
      w.host,
      String(w.pid),
      `${w.threads} (refit ${w.refit_threads})`,
      `${w.jobs.length}/${w.concurrency}`,
      w.jobs.map((j) => `${j.experiment} ${j.kind === 'fit' ? `task ${j.task}` : j.kind} (${seconds(now - j.since)})`).join(', ') || 'idle',
      `${seconds(w.heartbeat_age_ms)} ago`,
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  '));
  return `${lines.join('\n')}\n${workers.length} live worker(s)\n`;
}

/** Milliseconds as seconds for people: `0.4s`, `12s`, `3m05s`. */
function seconds(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.round(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}
