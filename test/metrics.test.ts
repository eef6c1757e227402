import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { connectRedis, keyPrefixFor, QUEUE, workerKeys, type WorkerList } from '@gridfold/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiProcess } from './helpers/api-process.js';
import { deletePrefix, REDIS_URL, waitFor, WorkerProcess } from './helpers/cluster.js';
import { smallKnnGrid } from './helpers/specs.js';

// Issue 16 (scale out): GET /metrics from a real API process while real worker processes run a
// sweep, and `gridfold workers` from the real CLI. Submitted with no worker running, every fit
// task waits in BullMQ's prioritized set (fit tasks have a priority), not in the wait list a
// KEDA redis-list scaler counts: gridfold_jobs_waiting must count them.

const BIN = fileURLToPath(new URL('../apps/cli/bin/gridfold.js', import.meta.url));
const TOKEN = 'api-t0k';
const METRICS_TOKEN = 'scrape-m3';
const HEARTBEAT_MS = 500;
// A heartbeat lasts 3 intervals (apps/worker/src/heartbeat.ts).
const TTL_MS = 3 * HEARTBEAT_MS;

const redis = connectRedis(REDIS_URL);
// Hash-tagged when REDIS_URL is a Redis Cluster's, as the API and workers would use it.
const prefix = keyPrefixFor(redis, `test-${randomUUID()}`);
const api = new ApiProcess({ REDIS_URL, GRIDFOLD_PREFIX: prefix, GRIDFOLD_TOKEN: TOKEN, GRIDFOLD_METRICS_TOKEN: METRICS_TOKEN, GRIDFOLD_LOG_LEVEL: 'warn',
  // The test polls the worker list and the experiment every 100 ms while the sweep runs.
  GRIDFOLD_READS_PER_MINUTE: '100000' });
const workers: WorkerProcess[] = [];

function startWorker(id: string): WorkerProcess {
  const w = new WorkerProcess(id, { REDIS_URL, GRIDFOLD_PREFIX: prefix, GRIDFOLD_THREADS: '1', GRIDFOLD_HEARTBEAT_MS: String(HEARTBEAT_MS) });
  workers.push(w);
  return w;
}

/** GET with a bearer token; the status and the text of the answer. */
async function get(path: string, token?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${api.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, text: await res.text() };
}

/** One scrape of /metrics, with the metrics token: each sample line `name{labels} value` by `name{labels}`. */
async function scrape(): Promise<Map<string, number>> {
  const { status, text } = await get('/metrics', METRICS_TOKEN);
  expect(status, text).toBe(200);
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) samples.set(m[1], Number(m[2]));
  }
  return samples;
}

/** A sample's value; a missing sample fails the test with its name. */
function value(samples: Map<string, number>, key: string): number {
  expect(samples.has(key), `sample ${key} in /metrics`).toBe(true);
  return samples.get(key)!;
}

async function liveWorkers(): Promise<WorkerList['workers']> {
  const { status, text } = await get('/api/workers', TOKEN);
  expect(status, text).toBe(200);
  return (JSON.parse(text) as WorkerList).workers;
}

/** `gridfold workers [args]` as a user runs it; resolves with its stdout once it exits 0. */
function cli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'workers', '--api', api.url, ...args], { env: { ...process.env, GRIDFOLD_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`gridfold workers exited ${code}: ${err}`))));
  });
}

beforeAll(async () => {
  await api.start();
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await api.kill('SIGKILL');
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('GET /metrics and gridfold workers, with a real API and real workers', () => {
  it('needs a token: the metrics token opens /metrics and nothing else', async () => {
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', 'wrong')).status).toBe(401);
    expect((await get('/metrics', TOKEN)).status).toBe(200);
    expect((await get('/metrics', METRICS_TOKEN)).status).toBe(200);
    expect((await get('/api/workers', METRICS_TOKEN)).status).toBe(401);
    expect((await get('/api/experiments', METRICS_TOKEN)).status).toBe(401);
  });

  let id: string;
  let tasks: number;

  it('counts every task of a sweep submitted while no worker runs as waiting, though they sit in the prioritized set, not the wait list', async () => {
    const before = await scrape();
    expect(value(before, 'gridfold_workers_alive')).toBe(0);
    expect(value(before, 'gridfold_tasks_completed_total')).toBe(0);
    const res = await fetch(`${api.url}/api/experiments`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(smallKnnGrid) });
    expect(res.status).toBe(201);
    ({ id, tasks } = (await res.json()) as { id: string; tasks: number });
    expect(tasks).toBe(24);

    const queued = await scrape();
    expect(value(queued, 'gridfold_jobs_waiting')).toBe(tasks);
    expect(value(queued, 'gridfold_queue_jobs{state="prioritized"}')).toBe(tasks);
    // What a Redis-list scaler would count: nothing.
    expect(value(queued, 'gridfold_queue_jobs{state="waiting"}')).toBe(0);
    expect(await redis.llen(`${prefix}:${QUEUE}:wait`)).toBe(0);
    expect(await redis.zcard(`${prefix}:${QUEUE}:prioritized`)).toBe(tasks);
    // The aggregate and the refit wait for their children.
    expect(value(queued, 'gridfold_queue_jobs{state="waiting-children"}')).toBe(2);
    expect(value(queued, 'gridfold_experiments{status="queued"}')).toBe(1);
    expect(value(queued, 'gridfold_experiments_stored')).toBe(1);
    expect(value(queued, 'gridfold_redis_used_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts the tasks done across workers, their durations per estimator, and the live workers; gridfold workers lists them with their current task', async () => {
    const [w1, w2] = [startWorker('w1'), startWorker('w2')];
    // Poll the worker list while the sweep runs: some worker shows a fit task of it as current.
    let sawTask = false;
    const view = await waitFor(
      async () => {
        const running = (await liveWorkers()).flatMap((w) => w.jobs);
        if (running.some((j) => j.experiment === id && j.kind === 'fit' && Number.isInteger(j.task))) sawTask = true;
        const { text } = await get(`/api/experiments/${id}`, TOKEN);
        const v = JSON.parse(text) as { status: string };
        return ['completed', 'failed', 'cancelled'].includes(v.status) ? v : undefined;
      },
      120_000,
      'the sweep to end',
      100,
    );
    expect(view.status).toBe('completed');
    expect(sawTask, 'a fit task of the sweep shown as a worker\'s current job').toBe(true);

    // Workers write their counts at most a second late (METRICS_FLUSH_MS), so wait for the last ones.
    const done = await waitFor(async () => {
      const s = await scrape();
      return value(s, 'gridfold_tasks_completed_total') >= tasks ? s : undefined;
    }, 5_000, `${tasks} tasks counted`);
    expect(value(done, 'gridfold_tasks_completed_total')).toBe(tasks);
    expect(value(done, 'gridfold_tasks_failed_total')).toBe(0);
    expect(value(done, 'gridfold_task_duration_seconds_count{estimator="KNeighborsClassifier"}')).toBe(tasks);
    expect(value(done, 'gridfold_task_duration_seconds_bucket{estimator="KNeighborsClassifier",le="+Inf"}')).toBe(tasks);
    expect(value(done, 'gridfold_task_duration_seconds_sum{estimator="KNeighborsClassifier"}')).toBeGreaterThan(0);
    expect(value(done, 'gridfold_jobs_waiting')).toBe(0);
    expect(value(done, 'gridfold_experiments{status="completed"}')).toBe(1);
    expect(value(done, 'gridfold_workers_alive')).toBe(2);

    const listed = JSON.parse(await cli('--json')) as WorkerList;
    expect(listed.workers.map((w) => [w.name, w.pid]).sort()).toEqual([['w1', w1.child.pid], ['w2', w2.child.pid]]);
    for (const w of listed.workers) {
      expect(w).toMatchObject({ concurrency: 1, threads: 1, jobs: [], ttl_ms: TTL_MS });
      expect(w.heartbeat_age_ms).toBeLessThan(TTL_MS);
    }
    const table = await cli();
    expect(table).toMatch(/^WORKER +HOST +PID +THREADS +JOBS +CURRENT +HEARTBEAT$/m);
    expect(table).toMatch(new RegExp(`^w1 +\\S+ +${w1.child.pid} +1 \\(refit \\d+\\) +0/1 +idle +\\d+\\.\\ds ago$`, 'm'));
    expect(table).toMatch(/^2 live worker\(s\)$/m);
  });

  it('keeps the counters across a restart of the API: they live in Redis', async () => {
    await api.kill('SIGKILL');
    await api.start();
    const after = await scrape();
    expect(value(after, 'gridfold_tasks_completed_total')).toBe(tasks);
    expect(value(after, 'gridfold_task_duration_seconds_count{estimator="KNeighborsClassifier"}')).toBe(tasks);
  });

  it('drops a killed worker within its heartbeat\'s time to live, from gridfold workers and from gridfold_workers_alive', async () => {
    const [w1] = workers;
    await w1.kill('SIGKILL');
    const killed = Date.now();
    // Still listed at first: its last heartbeat has not expired yet...
    expect((await liveWorkers()).map((w) => w.name)).toContain('w1');
    // ...and gone once it has.
    await waitFor(async () => ((await liveWorkers()).some((w) => w.name === 'w1') ? undefined : true), TTL_MS + 5000, 'w1 to leave the list', 50);
    const gone = Date.now() - killed;
    console.info(`killed worker left the list ${gone} ms after SIGKILL (heartbeat every ${HEARTBEAT_MS} ms, time to live ${TTL_MS} ms)`);
    expect(gone).toBeLessThanOrEqual(TTL_MS + 500);
    const listed = JSON.parse(await cli('--json')) as WorkerList;
    expect(listed.workers.map((w) => w.name)).toEqual(['w2']);
    expect(value(await scrape(), 'gridfold_workers_alive')).toBe(1);
  });

  it('forgets a worker that stops cleanly (SIGTERM) at once, without waiting for its heartbeat to expire', async () => {
    const [, w2] = workers;
    const [record] = await liveWorkers();
    expect(record.name).toBe('w2');
    // It beats every 500 ms until it has stopped, so its record would outlive its exit by a second or more.
    await w2.kill('SIGTERM');
    expect(w2.child.exitCode).toBe(0);
    expect(await redis.exists(workerKeys(prefix).worker(record.id))).toBe(0);
    expect(await liveWorkers()).toEqual([]);
  });
});
