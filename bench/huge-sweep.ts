/**
 * A huge sweep through `gridfold serve --workers 2` against the same fits run in-process:
 * an objective (bench/plugins/busy.ts) that spins for `--ms` milliseconds per (cell, fold), on
 * a 20-row CSV, `--tasks` tasks (cells x 5 folds), on a private redis-server (port 7290) so that
 * memory figures are this run's alone. Prints:
 * - queue overhead: the sweep's wall time (the experiment's created_at -> finished_at) against
 *   the in-process time of the same fits split over 2 workers. The in-process time is measured
 *   by `gridfold run --local` on the first `--sample` tasks' worth of cells (all of them with
 *   `--inprocess-full`) and scaled to `--tasks`. The workers are warmed first by a one-cell sweep
 *   (their sandboxed children started, the plugin and CSV loaded), as a deployment's are;
 * - the CPU time a task costs in each process (from /proc: the workers' sandboxed children, the
 *   worker processes, Redis, the API), which varies much less with the machine's load than wall time;
 * - GET /api/experiments/:id latency (every 200 ms) and GET .../cv_results page latency (every
 *   second, sorted by mean_test_score) while it runs: p50, p95, max;
 * - Redis bytes per finished task: INFO used_memory before and after, and MEMORY USAGE of every
 *   key under the run's prefix grouped (the experiment's store keys, BullMQ's jobs, the task
 *   cache); then after the retention step (DELETE ?purge=true, as GRIDFOLD_RETENTION_DAYS or
 *   `gridfold prune` does).
 * With `--submit-only`: how long the submit takes, how long until every task is queued (a flow
 * over 2,000 tasks is queued in chunks behind its aggregate's gate, queue enqueue.ts), and the
 * Redis bytes a queued task takes; then the sweep is cancelled (no in-process run).
 * A task here is one (cell, fold) fit; with the spec's default `batch_size` "auto", a sweep of
 * more than 2,000 of them runs several to a queue job (`--batch-size 1`: one fit a job).
 * Run: npx tsx bench/huge-sweep.ts [--tasks 10000] [--ms 100] [--sample 500] [--inprocess-full] [--batch-size auto|N]
 *      npx tsx bench/huge-sweep.ts --tasks 100000 --ms 1 --submit-only
 *      npx tsx bench/huge-sweep.ts --tasks 100000 --ms 1 --sample 5000
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jobIds, QUEUE } from '@gridfold/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bundlePlugin } from '../apps/cli/src/local-files.js';
import { processCpuMs, serveCpu, startServe, type ServeCpu } from './serve-harness.js';

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '10000' },
    ms: { type: 'string', default: '100' },
    sample: { type: 'string', default: '500' },
    'inprocess-full': { type: 'boolean', default: false },
    'submit-only': { type: 'boolean', default: false },
    'batch-size': { type: 'string', default: 'auto' },
    'redis-port': { type: 'string', default: '7290' },
    'api-port': { type: 'string', default: '7291' },
  },
});
const FOLDS = 5;
const TASKS = Number(args.tasks);
const MS = Number(args.ms);
// Fits per queue job (the spec's batch_size): "auto" batches past 2,000 fits; 1 runs one fit a job.
const BATCH = args['batch-size'] === 'auto' ? 'auto' : Number(args['batch-size']);
if (TASKS % (FOLDS * 100) !== 0) throw new Error(`--tasks must be a multiple of ${FOLDS * 100}, got ${TASKS}`);
const BIN = fileURLToPath(new URL('../apps/cli/bin/gridfold.js', import.meta.url));
const PLUGIN = fileURLToPath(new URL('./plugins/busy.ts', import.meta.url));

// --- the sweep: a in 0..99 x b, 5 folds, on a 20-row CSV -------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'gridfold-huge-'));
const csv = 'x,y\n' + Array.from({ length: 20 }, (_, i) => `${i},${i % 2}`).join('\n') + '\n';
writeFileSync(join(dir, 'tiny.csv'), csv);
writeFileSync(join(dir, 'busy.ts'), readFileSync(PLUGIN));
const specFor = (tasks: number) => ({
  name: `huge-${tasks}`,
  plugins: ['./busy.ts'],
  dataset: { source: 'csv', train: 'tiny.csv', label: 'y' },
  estimator: { name: 'busy', params: { ms: MS } },
  param_grid: { a: Array.from({ length: 100 }, (_, i) => i), b: Array.from({ length: tasks / FOLDS / 100 }, (_, i) => i) },
  cv: { n_splits: FOLDS },
  refit: false,
  batch_size: BATCH,
});

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};
const fmt = (xs: number[]) => `p50 ${quantile(xs, 0.5).toFixed(1)} ms, p95 ${quantile(xs, 0.95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms (${xs.length} reads)`;

// --- in-process ------------------------------------------------------------------------------
const sampleTasks = args['inprocess-full'] ? TASKS : Math.min(TASKS, Number(args.sample));
writeFileSync(join(dir, 'sample.json'), JSON.stringify(specFor(sampleTasks)));
const local = args['submit-only'] ? { status: 'completed', timings: { total_ms: NaN } } : JSON.parse(execFileSync(process.execPath, [BIN, 'run', join(dir, 'sample.json'), '--local', '--json'], { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, GRIDFOLD_LOG_LEVEL: 'warn' } }));
if (local.status !== 'completed') throw new Error(`in-process run ${local.status}: ${local.error}`);
const localMsPerTask = local.timings.total_ms / sampleTasks;
if (!args['submit-only']) console.log(`in-process: ${sampleTasks} tasks in ${(local.timings.total_ms / 1000).toFixed(1)} s (${localMsPerTask.toFixed(2)} ms a task, gridfold run --local)`);

// --- through the queue -----------------------------------------------------------------------
const redisPort = Number(args['redis-port']);
const redisServer = spawn('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const redisUrl = `redis://127.0.0.1:${redisPort}`;
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 20, retryStrategy: () => 100 });
redis.on('error', () => {});
await redis.ping();
const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
const prefix = `bench-${randomUUID()}`;
const served = await startServe(2, Number(args['api-port']), { REDIS_URL: redisUrl, GRIDFOLD_PREFIX: prefix, GRIDFOLD_MAX_CELL_FOLDS: String(Math.max(TASKS, 20_000)), GRIDFOLD_LOG_LEVEL: 'warn', GRIDFOLD_READS_PER_MINUTE: '100000' });
try {
  const bundle = await bundlePlugin('./busy.ts', join(dir, 'busy.ts'));
  const sha = (b: string) => createHash('sha256').update(b).digest('hex');
  for (const bytes of [bundle.code, csv]) {
    const r = await fetch(`${served.url}/api/artifacts`, { method: 'POST', headers: { 'x-artifact-sha256': sha(bytes), 'content-type': 'application/octet-stream' }, body: bytes });
    if (!r.ok) throw new Error(`upload: ${r.status} ${await r.text()}`);
  }
  const artifacts = { './busy.ts': bundle.sha256, 'tiny.csv': sha(csv) };
  // One cell (5 tasks) first, as a long-running deployment's workers are: each has its sandboxed
  // child started, the plugin evaluated and the CSV loaded (seconds of CPU, once), outside the figures.
  const warmId = await submit({ ...specFor(FOLDS * 100), name: 'huge-warm-up', param_grid: { a: [-1], b: [-1] }, artifacts }, performance.now());
  for (let status = ''; status !== 'completed'; await new Promise((r) => setTimeout(r, 200))) {
    const view = (await (await fetch(`${served.url}/api/experiments/${warmId}`)).json()) as { status: string; error?: string };
    if (view.status === 'failed' || view.status === 'cancelled') throw new Error(`warm-up sweep ${view.status}: ${view.error}`);
    status = view.status;
  }
  const before = await usedMemory();
  const cpu0 = { ...serveCpu(served.pid), redis: processCpuMs(redisServer.pid!) };
  const spec = { ...specFor(TASKS), artifacts };
  const t0 = performance.now();
  const id = await submit(spec, t0);
  if (args['submit-only']) {
    const queue = new Queue(QUEUE, { connection: redis, prefix });
    let state = 'delayed';
    while (state === 'delayed') {
      await new Promise((r) => setTimeout(r, 100));
      const gate = await queue.getJob(jobIds.gate(id));
      state = gate ? await gate.getState() : 'none (one MULTI)';
    }
    const queuedMs = performance.now() - t0;
    const bytes = (await usedMemory()) - before;
    console.log(`every task queued ${(queuedMs / 1000).toFixed(1)} s after the submit (gate: ${state}); Redis +${(bytes / 1e6).toFixed(1)} MB = ${Math.round(bytes / TASKS)} bytes a queued task`);
    const cancel = await fetch(`${served.url}/api/experiments/${id}`, { method: 'DELETE' });
    console.log(`cancelled: ${cancel.status} ${await cancel.text()}`);
    await queue.close();
  } else {
    const getMs: number[] = [];
    const pageMs: number[] = [];
    let view: any;
    let lastPage = 0;
    for (;;) {
      const g0 = performance.now();
      view = await (await fetch(`${served.url}/api/experiments/${id}`)).json();
      if (view.status === 'running') getMs.push(performance.now() - g0);
      if (['completed', 'failed', 'cancelled'].includes(view.status)) break;
      if (view.status === 'running' && performance.now() - lastPage > 1000) {
        lastPage = performance.now();
        const p0 = performance.now();
        const page = await fetch(`${served.url}/api/experiments/${id}/cv_results?limit=100&sort=mean_test_score&order=desc`);
        if (!page.ok) throw new Error(`page: ${page.status} ${await page.text()}`);
        await page.json();
        pageMs.push(performance.now() - p0);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    if (view.status !== 'completed') throw new Error(`sweep ${view.status}: ${view.error}`);
    const cpu1 = { ...serveCpu(served.pid), redis: processCpuMs(redisServer.pid!) };
    const wallMs = view.finished_at - view.created_at;
    const ideal = (TASKS * localMsPerTask) / 2;
    const cv = view.result.cv_results;
    // What the workers measured of the fits themselves (fit + score, seconds per cell and fold).
    const inWorkerMs = cv.mean_fit_time.reduce((s: number, t: number, i: number) => s + (t + cv.mean_score_time[i]) * FOLDS * 1000, 0);
    console.log(`through the queue: ${TASKS} tasks in ${(wallMs / 1000).toFixed(1)} s with 2 workers; in-process / 2 = ${(ideal / 1000).toFixed(1)} s -> overhead ${((wallMs / ideal - 1) * 100).toFixed(1)} %`);
    console.log(`  (fit + score time the workers measured: ${(inWorkerMs / 1000).toFixed(1)} s in all, / 2 = ${(inWorkerMs / 2000).toFixed(1)} s -> ${((wallMs / (inWorkerMs / 2) - 1) * 100).toFixed(1)} % over that)`);
    // CPU per task varies much less with the machine's load than wall time: the queue's cost in CPU, by process.
    const perTask = (k: keyof ServeCpu | 'redis') => (cpu1[k] - cpu0[k]) / TASKS;
    const queueCpu = perTask('workers') + perTask('children') + perTask('redis');
    console.log(
      `CPU a task: sandboxed children ${perTask('children').toFixed(2)} ms, worker processes ${perTask('workers').toFixed(2)} ms, Redis ${perTask('redis').toFixed(2)} ms (sum ${queueCpu.toFixed(2)} ms, against ${localMsPerTask.toFixed(2)} ms a task in-process); API ${perTask('api').toFixed(2)} ms (the bench's reads included)`,
    );
    console.log(`GET /api/experiments/:id while running: ${fmt(getMs)}`);
    console.log(`GET /api/experiments/:id/cv_results (100 rows by mean_test_score desc) while running: ${fmt(pageMs)}`);

    const after = await usedMemory();
    const groups = await keyGroups(redis, prefix);
    console.log(`Redis used_memory: +${(after - before).toLocaleString('en')} bytes for ${TASKS} finished tasks = ${((after - before) / TASKS).toFixed(0)} bytes a task; redis_bytes of the experiment (API): ${view.redis_bytes.toLocaleString('en')} = ${(view.redis_bytes / TASKS).toFixed(0)} a task`);
    for (const [group, { keys, bytes, largest }] of Object.entries(groups).sort()) console.log(`  ${group.padEnd(10)} ${String(keys).padStart(7)} keys ${bytes.toLocaleString('en').padStart(14)} bytes = ${(bytes / TASKS).toFixed(0)} a task (largest: ${largest.key.slice(prefix.length + 1)}, ${largest.bytes.toLocaleString('en')})`);
    const purge = await fetch(`${served.url}/api/experiments/${id}?purge=true`, { method: 'DELETE' });
    const purged = (await purge.json()) as { freed_bytes: number; removed_jobs: number };
    const end = await usedMemory();
    console.log(`after the retention step (DELETE ?purge=true: freed ${purged.freed_bytes.toLocaleString('en')} bytes, removed ${purged.removed_jobs} jobs): used_memory ${end >= before ? '+' : ''}${(end - before).toLocaleString('en')} bytes against before the sweep; left:`);
    for (const [group, { keys, bytes, largest }] of Object.entries(await keyGroups(redis, prefix)).sort()) console.log(`  ${group.padEnd(10)} ${String(keys).padStart(7)} keys ${bytes.toLocaleString('en').padStart(14)} bytes (largest: ${largest.key.slice(prefix.length + 1)}, ${largest.bytes.toLocaleString('en')})`);
  }

  /** Submits `spec` and returns its experiment's id, found by its name when the API answered 503 (see below). */
  async function submit(spec: { name: string; [field: string]: unknown }, t0: number): Promise<string> {
    const res = await fetch(`${served.url}/api/experiments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
    if (res.status === 201) {
      const { id, tasks } = (await res.json()) as { id: string; tasks: number };
      console.log(`submitted ${spec.name} (${tasks} queue jobs, batch_size ${spec.batch_size}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return id;
    }
    // Past the API's 10 s Redis deadline (a huge flow's one MULTI, or a plugin check in a child
    // process on a loaded machine) the client hears 503 while the submission goes on. Found by
    // the list, and timed to its first task starting.
    if (res.status !== 503) throw new Error(`submit: ${res.status} ${await res.text()}`);
    console.log(`submit of ${spec.name} answered ${res.status} after ${((performance.now() - t0) / 1000).toFixed(1)} s: ${await res.text()}`);
    for (;;) {
      // Express ends the connection of a request answered before its route finished: its next request may fail once.
      const list = await fetch(`${served.url}/api/experiments?limit=5`).then(
        async (r) => ((await r.json()) as { experiments: Array<{ id: string; name: string; status: string }> }).experiments,
        () => [],
      );
      const e = list.find((x) => x.name === spec.name);
      if (e && e.status !== 'queued') {
        console.log(`  it was queued and its first task started ${((performance.now() - t0) / 1000).toFixed(1)} s after the submit`);
        return e.id;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
} finally {
  await served.stop();
  redis.disconnect();
  redisServer.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

/** MEMORY USAGE of every key under `prefix`, by group: the experiments' store, BullMQ's jobs, the task cache, artifacts, the rest. */
async function keyGroups(redis: Redis, prefix: string): Promise<Record<string, { keys: number; bytes: number; largest: { key: string; bytes: number } }>> {
  const groups: Record<string, { keys: number; bytes: number; largest: { key: string; bytes: number } }> = {};
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    for (const key of found) {
      const bytes = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      const rest = key.slice(prefix.length + 1);
      const group = rest.startsWith('exp:') ? 'store' : rest.startsWith('gridfold-jobs:') ? 'jobs' : rest.startsWith('cache') ? 'cache' : rest.startsWith('artifact') ? 'artifacts' : 'other';
      groups[group] ??= { keys: 0, bytes: 0, largest: { key, bytes } };
      groups[group].keys++;
      groups[group].bytes += bytes;
      if (bytes > groups[group].largest.bytes) groups[group].largest = { key, bytes };
    }
    cursor = next;
  } while (cursor !== '0');
  return groups;
}
