import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import request from 'supertest';
import { bundlePlugin } from '../apps/cli/src/local-files.js';
import { TestCluster, waitFor } from '../test/helpers/cluster.js';

/**
 * Issue 16's fair sharing, measured: a small sweep's completion time alone, and beside a big
 * sweep that was submitted first and is running. Two real worker processes (concurrency 1
 * each); every task is the `flaky` objective of test/fixtures/plugins/misbehaving.ts in mode
 * "sleep" (it waits `ms`, so the figures do not depend on how busy the CPU is). The small
 * sweep is `--small` tasks, the big one `--big` tasks (cv=2, so cells = tasks / 2), each task
 * `--ms` long. Each small run is timed from its submit to its `finished_at` (the store's clock).
 * Without fair sharing (one FIFO queue) the small sweep would wait for every big task queued
 * before it: that bound is printed beside the measurement.
 *   npx tsx bench/fair-sharing.ts [--big 20000] [--small 10] [--ms 100] [--runs 3]
 */
const { values: args } = parseArgs({ options: { big: { type: 'string', default: '20000' }, small: { type: 'string', default: '10' }, ms: { type: 'string', default: '100' }, runs: { type: 'string', default: '3' } } });
const BIG = Number(args.big);
const SMALL = Number(args.small);
const MS = Number(args.ms);
const RUNS = Number(args.runs);
const WORKERS = 2;
for (const [name, v] of Object.entries({ big: BIG, small: SMALL })) if (!Number.isInteger(v) || v < 2 || v % 2) throw new Error(`--${name} must be an even number of tasks >= 2 (cv=2), got ${v}`);

const FRUIT = readFileSync(fileURLToPath(new URL('../examples/csv-string-labels/fruit-train.csv', import.meta.url)));
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const cacheDir = mkdtempSync(join(tmpdir(), 'gridfold-fair-'));
const cluster = new TestCluster({ workers: WORKERS, env: { GRIDFOLD_ARTIFACT_CACHE_DIR: cacheDir } });
const app = cluster.api.app;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const bundle = await bundlePlugin('./misbehaving.ts', fileURLToPath(new URL('../test/fixtures/plugins/misbehaving.ts', import.meta.url)));
  for (const bytes of [bundle.code, FRUIT]) {
    const r = await request(app).post('/api/artifacts').set('x-artifact-sha256', sha(bytes)).set('content-type', 'application/octet-stream').send(Buffer.from(bytes));
    if (![200, 201].includes(r.status)) throw new Error(`upload: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const sweep = (name: string, tasks: number) => ({
    name,
    plugins: ['./misbehaving.ts'],
    artifacts: { './misbehaving.ts': bundle.sha256, 'fruit-train.csv': sha(FRUIT) },
    dataset: { source: 'csv', train: 'fruit-train.csv', label: 'fruit' },
    estimator: { name: 'flaky', params: { mode: 'sleep', ms: MS } },
    // Distinct cells (the objective ignores `i`), so none shares a fit or a cached result.
    param_grid: { i: Array.from({ length: tasks / 2 }, (_, i) => i) },
    cv: 2,
    cache: false,
    refit: false,
  });
  const submit = async (spec: object) => {
    const r = await request(app).post('/api/experiments').send(spec);
    if (r.status !== 201) throw new Error(`submit: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.id as string;
  };
  const timeSmall = async (label: string) => {
    const started = Date.now();
    const id = await submit(sweep(`small-${label}`, SMALL));
    const view = await cluster.ended(id, 600_000);
    if (view.status !== 'completed') throw new Error(`small sweep ${view.status}: ${view.error}`);
    return view.finished_at - started;
  };

  await timeSmall('warm-up');
  const alone: number[] = [];
  for (let i = 0; i < RUNS; i++) alone.push(await timeSmall(`alone-${i}`));

  const submitStarted = Date.now();
  const big = await submit(sweep('big', BIG));
  const submitMs = Date.now() - submitStarted;
  const progress = async () => (await request(app).get(`/api/experiments/${big}`)).body.progress as { done: number; total: number };
  await waitFor(async () => ((await progress()).done >= 2 * WORKERS ? true : undefined), 600_000, 'the big sweep to be running');
  const beside: number[] = [];
  const queuedAhead: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const p = await progress();
    queuedAhead.push(p.total - p.done);
    beside.push(await timeSmall(`beside-${i}`));
  }
  const last = await progress();
  const cancel = await request(app).delete(`/api/experiments/${big}`);
  if (cancel.status !== 200) throw new Error(`cancel: ${cancel.status} ${JSON.stringify(cancel.body)}`);

  const own = (SMALL * MS) / WORKERS;
  // A big sweep's job is batch_size fits ("auto": BIG / 2,000 past 2,000 fits): what a worker finishes before it takes a small task.
  const jobMs = (BIG / last.total) * MS;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`fair sharing: ${WORKERS} workers, tasks of ${MS} ms (sleep), small sweep ${SMALL} tasks, big sweep ${BIG} tasks (submitted in ${s(submitMs)})`);
  console.log(`small sweep alone:          ${alone.map(s).join(' / ')} (median ${s(median(alone))}; its work alone is ${s(own)} on ${WORKERS} workers)`);
  console.log(`small sweep beside the big: ${beside.map(s).join(' / ')} (median ${s(median(beside))}; +${s(median(beside) - median(alone))}, one big job per worker is ${s(jobMs)}: ${BIG / last.total} fits of ${MS} ms)`);
  console.log(`FIFO bound: with ${median(queuedAhead)} big jobs queued ahead, a first-come queue would make it wait about ${s((median(queuedAhead) * jobMs) / WORKERS)}`);
  console.log(`big sweep: ${last.done} of ${last.total} jobs (${BIG} fits, batch_size "auto") done when cancelled`);
} finally {
  await cluster.close();
  rmSync(cacheDir, { recursive: true, force: true });
}
