/**
 * Soak: sweeps run back to back for `--minutes N` (default 30) against a real API process
 * (`gridfold serve --workers 0`) and 2 worker processes on a private redis-server (AOF,
 * `appendfsync everysec` as docker-compose.yml runs it), while a random worker is SIGKILLed
 * and restarted every few seconds and Redis is restarted about every 40 s (in turn: stopped
 * for 1 s, SIGKILLed, stopped for longer than the job lock). Every completed sweep is compared
 * with an in-process run. Prints Redis memory at start and end, what the faults cost in
 * re-run tasks, and every experiment not in a terminal state (there must be none: exit code 1
 * otherwise, or when a sweep failed or differs). Localhost only, bounded: the faults stop at
 * the deadline, then in-flight sweeps get 3 minutes to end.
 * Run: npx tsx bench/soak.ts --minutes 5
 */
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { checkSpec, planExperiment, runExperiment, type ExperimentResult } from '../packages/core/src/index.js';
import { ExperimentStore } from '../packages/queue/src/index.js';
import { ApiProcess } from '../test/helpers/api-process.js';
import { WorkerProcess } from '../test/helpers/cluster.js';
import { comparable } from '../test/helpers/compare.js';
import { tallyExecutions } from '../test/helpers/executions.js';
import { PrivateRedis } from '../test/helpers/private-redis.js';
import { smallKnnGrid } from '../test/helpers/specs.js';
import { configureBench } from './configure.js';

const minutesArg = process.argv.indexOf('--minutes');
const MINUTES = minutesArg > 0 ? Number(process.argv[minutesArg + 1]) : 30;
if (!(MINUTES > 0)) throw new Error(`--minutes must be a number > 0, got ${JSON.stringify(process.argv[minutesArg + 1])}`);
const PREFIX = 'soak';
const LOCK_MS = 2000;
const IN_FLIGHT = 2;
const DRAIN_MS = 180_000;

/** Sweeps of seconds, so faults land in many; every one computes (a cache hit would skip the work the faults are meant to interrupt). */
const spec = { ...smallKnnGrid, name: 'soak', cache: false };

let seed = 20261125;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}`);

const TASKS = planExperiment(checkSpec(spec)).tasks.length;

configureBench();
const reference = comparable(await runExperiment(spec));
const redis = new PrivateRedis({ appendfsync: 'everysec' });
await redis.start();
const env = { REDIS_URL: redis.url, GRIDFOLD_PREFIX: PREFIX };
const api = new ApiProcess(env);
await api.start();
const workerEnv = { ...env, GRIDFOLD_THREADS: '1', GRIDFOLD_LOCK_MS: String(LOCK_MS), GRIDFOLD_STALLED_MS: '1000' };
const workers = [new WorkerProcess('w1', workerEnv), new WorkerProcess('w2', workerEnv)];
const probe = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(n * 200, 2000) });
probe.on('error', () => {});
const memory = async () => Number(/used_memory:(\d+)/.exec(await probe.info('memory'))![1]);
const startMemory = await memory();

const started = Date.now();
const deadline = started + MINUTES * 60_000;
const submitted: string[] = [];
const outcomes = { completed: 0, failed: [] as string[], different: [] as string[] };
let kills = 0;
const restarts: string[] = [];

/** Requests the API did not answer within {@link ANSWER_MS}: the API must answer (503 at worst) while Redis restarts. */
const unanswered: string[] = [];
let rateLimited = 0;
const ANSWER_MS = 30_000;

/** Calls the API, retrying while it cannot answer (Redis is down for a moment, by design). */
async function call(path: string, body?: unknown): Promise<any> {
  for (;;) {
    try {
      const init: RequestInit = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
      const res = await fetch(`${api.url}${path}`, { ...init, signal: AbortSignal.timeout(ANSWER_MS) });
      // 429: the API's rate limits (submissions and reads per client and minute) say wait.
      if (res.status === 429) rateLimited++;
      else if (res.status < 500) {
        const json = await res.json();
        if (!res.ok) throw new Error(`${body === undefined ? 'GET' : 'POST'} ${path}: ${res.status} ${JSON.stringify(json)}`);
        return json;
      }
    } catch (err) {
      if (!['TimeoutError', 'TypeError'].includes((err as Error).name)) throw err;
      // Connection refused or reset while Redis restarts under the API is expected; no answer at all is a bug.
      if ((err as Error).name === 'TimeoutError') unanswered.push(`${body === undefined ? 'GET' : 'POST'} ${path} at ${new Date().toISOString().slice(11, 19)}`);
    }
    await sleep(500);
  }
}

async function runSweeps(): Promise<void> {
  while (Date.now() < deadline) {
    const { id } = await call('/api/experiments', spec);
    submitted.push(id);
    for (;;) {
      const view = await call(`/api/experiments/${id}`);
      if (view.status === 'completed') {
        outcomes.completed++;
        if (JSON.stringify(comparable(view.result as ExperimentResult)) !== JSON.stringify(reference)) outcomes.different.push(id);
        break;
      }
      if (view.status === 'failed' || view.status === 'cancelled') {
        outcomes.failed.push(`${id}: ${view.status} ${view.error ?? ''}`);
        break;
      }
      if (Date.now() > deadline + DRAIN_MS) return;
      await sleep(500);
    }
  }
}

async function killWorkers(): Promise<void> {
  while (Date.now() < deadline) {
    await sleep(3000 + random() * 5000);
    const victim = workers[Math.floor(random() * workers.length)];
    await victim.kill('SIGKILL');
    victim.start();
    kills++;
  }
}

async function restartRedis(): Promise<void> {
  const ways = ['stop 1 s', 'SIGKILL', `stop ${(2.5 * LOCK_MS) / 1000} s (> lock)`];
  while (Date.now() + 40_000 < deadline) {
    await sleep(40_000);
    const way = ways[restarts.length % ways.length];
    if (way === 'SIGKILL') await redis.kill();
    else {
      await redis.stop();
      await sleep(way === 'stop 1 s' ? 1000 : 2.5 * LOCK_MS);
    }
    await redis.start();
    restarts.push(way);
    log(`Redis restarted (${way}); ${outcomes.completed} sweeps completed, ${kills} worker kills so far`);
  }
}

/** Stops every process this script started and removes the private Redis' files. */
async function cleanUp(): Promise<void> {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await api.kill('SIGTERM');
  probe.disconnect();
  await redis.stop();
  rmSync(redis.dir, { recursive: true, force: true });
}
// Ctrl-C during a long soak: the workers run in process groups of their own, so they would outlive this process.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().then(() => process.exit(130)));

try {
  await Promise.all([...Array.from({ length: IN_FLIGHT }, runSweeps), killWorkers(), restartRedis()]);
  const store = new ExperimentStore(probe, PREFIX);
  const ids = await store.list(0, 100_000);
  const unfinished: string[] = [];
  let extraStarts = 0;
  let computedTwice = 0;
  let storedTwice = 0;
  for (const id of ids) {
    const status = await store.status(id);
    if (!store.isTerminal(status)) unfinished.push(`${id}: ${status}`);
    const tally = tallyExecutions(await store.executions(id), TASKS);
    extraStarts += tally.extraStarts;
    computedTwice += tally.computedTwice;
    storedTwice += tally.storedTwice;
  }
  const endMemory = await memory();
  const keys = await probe.dbsize();
  // Retention as a deployment runs it (GRIDFOLD_RETENTION_DAYS, gridfold prune): every ended experiment deleted.
  await new Promise((r) => setTimeout(r, 1100));
  const pruned = await api.json('/api/experiments/prune', { older_than: '1s' });
  const prunedMemory = await memory();
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  console.log(`soak: ${((Date.now() - started) / 60_000).toFixed(1)} min, ${submitted.length} sweeps submitted (${IN_FLIGHT} at a time, ${TASKS} tasks each)`);
  console.log(`faults: ${kills} worker SIGKILLs, ${restarts.length} Redis restarts (${restarts.join(', ') || 'none'})`);
  console.log(`sweeps: ${outcomes.completed} completed identical to the in-process run: ${outcomes.completed - outcomes.different.length}; different: ${outcomes.different.length}; failed: ${outcomes.failed.length}`);
  for (const f of outcomes.failed) console.log(`  failed ${f}`);
  console.log(`re-runs (Redis counters, all experiments): +${extraStarts} task starts, ${computedTwice} tasks computed twice, ${storedTwice} results written twice`);
  console.log(`redis memory: start ${mb(startMemory)}, end ${mb(endMemory)} (${keys} keys; ${mb((endMemory - startMemory) / Math.max(1, ids.length))} per experiment kept)`);
  console.log(`after pruning every ended experiment (POST /api/experiments/prune, ${pruned.status}: ${pruned.body.purged?.length} purged): redis memory ${mb(prunedMemory)}, ${await probe.dbsize()} keys (BullMQ keeps its newest finished jobs: GRIDFOLD_KEEP_COMPLETED_JOBS)`);
  console.log(`experiments not in a terminal state: ${unfinished.length ? unfinished.join('; ') : 'none'}`);
  console.log(`answers 429 (rate limited, waited and retried): ${rateLimited}`);
  console.log(`requests the API did not answer within ${ANSWER_MS / 1000} s: ${unanswered.length ? unanswered.join('; ') : 'none'}`);
  if (unfinished.length || outcomes.failed.length || outcomes.different.length || storedTwice || unanswered.length) process.exitCode = 1;
} finally {
  await cleanUp();
}
