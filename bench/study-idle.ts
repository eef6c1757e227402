import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { QUEUE } from '@gridfold/queue';
import { Queue } from 'bullmq';
import request from 'supertest';
import { TestCluster } from '../test/helpers/cluster.js';

/**
 * Issue 15's "2 workers keep both busy": one TPE study through the queue (API in this process,
 * 2 real worker processes, concurrency 1 each, 1 thread each) on a cheap real objective: SVC(C,
 * gamma) on scikit-learn's 8x8 digits (bench/out/digits.csv, written by
 * `npx tsx bench/study-vs-optuna.ts --objective svc-digits`, uploaded as an artifact), cv=3, C and
 * gamma log-uniform as in that bench. Each trial is one BullMQ job (its folds in order); a
 * worker is busy from a job's processedOn to its finishedOn. Which worker ran which trial comes
 * from the experiment's running hash (task n * 3 + fold -> worker), polled every 50 ms (BullMQ
 * records no worker name here).
 * Idle fraction = 1 - busy / (2 x span), span from the first trial's processedOn to the last
 * trial's finishedOn (the aggregate/refit after it is not part of the study).
 *   npx tsx bench/study-idle.ts [--trials 60] [--parallel 8]
 */
const { values: args } = parseArgs({ options: { trials: { type: 'string', default: '60' }, parallel: { type: 'string' } } });
const TRIALS = Number(args.trials);
const DIGITS = fileURLToPath(new URL('./out/digits.csv', import.meta.url));
if (!existsSync(DIGITS)) throw new Error('bench/out/digits.csv is missing: run bench/study-vs-optuna.ts --objective svc-digits first (it writes it)');
const bytes = readFileSync(DIGITS);
const sha = createHash('sha256').update(bytes).digest('hex');
const cacheDir = mkdtempSync(join(tmpdir(), 'gridfold-idle-'));
const cluster = new TestCluster({ workers: 2, env: { GRIDFOLD_ARTIFACT_CACHE_DIR: cacheDir } });
const queue = new Queue(QUEUE, { connection: cluster.redis, prefix: cluster.prefix });
try {
  const up = await request(cluster.api.app).post('/api/artifacts').set('x-artifact-sha256', sha).set('content-type', 'application/octet-stream').send(bytes);
  if (![200, 201].includes(up.status)) throw new Error(`upload: ${up.status} ${JSON.stringify(up.body)}`);
  const spec = {
    name: 'study-idle',
    artifacts: { 'digits.csv': sha },
    dataset: { source: 'csv', train: 'digits.csv', label: 'label' },
    estimator: { name: 'SVC' },
    search: { kind: 'tpe', n_trials: TRIALS, seed: 0, ...(args.parallel ? { parallel: Number(args.parallel) } : {}) },
    param_space: { C: { float: [1e-3, 1e3], log: true }, gamma: { float: [1e-5, 1e-1], log: true } },
    cv: 3,
    cache: false,
    refit: false,
  };
  const t0 = Date.now();
  const r = await request(cluster.api.app).post('/api/experiments').send(spec);
  if (r.status !== 201) throw new Error(`submit: ${r.status} ${JSON.stringify(r.body)}`);
  const id = r.body.id as string;
  // Who runs what: the running hash names the worker of each task in flight.
  const seen = new Map<number, string>(); // trial number -> worker
  const N_SPLITS = 3;
  const runningKey = `${cluster.prefix}:exp:${id}:running`;
  let status = '';
  while (!['completed', 'failed', 'cancelled'].includes(status)) {
    // Keys are task indices: trial n's folds are n * 3 + fold.
    for (const [task, v] of Object.entries(await cluster.redis.hgetall(runningKey))) seen.set(Math.floor(Number(task) / N_SPLITS), (JSON.parse(v) as { worker: string }).worker);
    status = (await cluster.redis.hget(`${cluster.prefix}:exp:${id}`, 'status')) ?? '';
    await new Promise((res) => setTimeout(res, 50));
  }
  const wall = (Date.now() - t0) / 1000;
  if (status !== 'completed') throw new Error(`study ${status}`);
  const jobs = (await queue.getJobs(['completed'], 0, -1)).filter((j) => j.name.startsWith('trial '));
  const trials = jobs.map((j) => ({ n: Number(j.name.slice(6)), start: j.processedOn!, end: j.finishedOn!, attempts: j.attemptsMade })).sort((a, b) => a.start - b.start);
  if (trials.length !== TRIALS) console.log(`note: ${trials.length} trial jobs kept of ${TRIALS}`);
  const span = Math.max(...trials.map((t) => t.end)) - Math.min(...trials.map((t) => t.start));
  const busy = trials.reduce((a, t) => a + (t.end - t.start), 0);
  // Per worker: the worker the running hash named for the trial's folds.
  const byWorker = new Map<string, number>();
  let unattributed = 0;
  for (const t of trials) {
    const w = seen.get(t.n);
    if (w) byWorker.set(w, (byWorker.get(w) ?? 0) + (t.end - t.start));
    else unattributed += t.end - t.start;
  }
  const gaps: number[] = [];
  console.log(`${TRIALS}-trial TPE study (SVC on 8x8 digits, cv=3, parallel ${spec.search.parallel ?? 'default (8)'}), 2 workers x concurrency 1; load average at start ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
  console.log(`| worker | trials | busy s | idle % of the study's span |`);
  console.log(`|---|---|---|---|`);
  for (const [w, b] of [...byWorker].sort()) {
    const mine = trials.filter((t) => seen.get(t.n) === w);
    for (let i = 1; i < mine.length; i++) gaps.push(mine[i].start - mine[i - 1].end);
    console.log(`| ${w} | ${mine.length} | ${(b / 1000).toFixed(1)} | ${(100 * (1 - b / span)).toFixed(1)} % |`);
  }
  if (unattributed) console.log(`| (worker not seen) | | ${(unattributed / 1000).toFixed(1)} | |`);
  gaps.sort((a, b) => a - b);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`span ${(span / 1000).toFixed(1)} s (first trial taken to last trial finished; ${wall.toFixed(1)} s submit to completed); mean trial ${(busy / trials.length / 1000).toFixed(2)} s`);
  console.log(`idle worker time: ${(100 * (1 - busy / (2 * span))).toFixed(1)} % (target < 10 %); gap between a worker's trials: median ${gaps[Math.floor(gaps.length / 2)]} ms, mean ${mean(gaps).toFixed(0)} ms, max ${gaps.at(-1)} ms; retried jobs ${trials.filter((t) => t.attempts > 1).length}`);
} finally {
  await queue.close();
  await cluster.close();
  rmSync(cacheDir, { recursive: true, force: true });
}
