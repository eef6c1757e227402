import { randomUUID } from 'node:crypto';
import { checkSpec } from '@gridfold/core';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix } from '../../../test/helpers/delete-prefix.js';
import { connectRedis } from '../src/connection.js';
import { metricKeys, workerKeys } from '../src/names.js';
import { ExperimentStore } from '../src/store.js';
import { bucketOf, estimatorLabel, MAX_ESTIMATOR_LABELS, OTHER_ESTIMATOR, TASK_SECONDS_BUCKETS, TaskMetrics } from '../src/task-metrics.js';
import { WorkerRegistry, type WorkerInfo } from '../src/workers.js';

// Durations and times below are hand-chosen inputs; the heartbeat test waits out a TTL of
// 300 ms, measured by Redis's clock.

const redis = connectRedis();
const prefixes: string[] = [];
function prefix(): string {
  const p = `test-${randomUUID()}`;
  prefixes.push(p);
  return p;
}

afterAll(async () => {
  for (const p of prefixes) await deletePrefix(redis, p);
  redis.disconnect();
});

describe('TaskMetrics', () => {
  it('puts a duration in the first bucket whose bound it does not exceed, past the last bound in the last', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(0.05)).toBe(0);
    expect(bucketOf(0.051)).toBe(1);
    expect(bucketOf(7200)).toBe(TASK_SECONDS_BUCKETS.length - 1);
    expect(bucketOf(7201)).toBe(TASK_SECONDS_BUCKETS.length);
  });

  it('counts completed and failed tasks, and durations per estimator, as every worker writes them', async () => {
    const p = prefix();
    const a = new TaskMetrics(redis, p);
    const other = connectRedis();
    const b = new TaskMetrics(other, p);
    await Promise.all([a.taskCompleted({ estimator: 'KNeighborsClassifier', seconds: 0.2 }), b.taskCompleted({ estimator: 'KNeighborsClassifier', seconds: 3 }), a.taskCompleted(), b.taskFailed()]);
    other.disconnect();
    const read = await a.read();
    expect(read.completed).toBe(3);
    expect(read.failed).toBe(1);
    expect(read.durations).toHaveLength(1);
    const [h] = read.durations;
    expect(h.estimator).toBe('KNeighborsClassifier');
    expect(h.count).toBe(2);
    expect(h.sum).toBeCloseTo(3.2, 10);
    expect(h.buckets[bucketOf(0.2)]).toBe(1);
    expect(h.buckets[bucketOf(3)]).toBe(1);
    expect(h.buckets.reduce((s, n) => s + n, 0)).toBe(2);
  });

  it(`keeps at most ${MAX_ESTIMATOR_LABELS} estimator names; tasks of any further one count as "${OTHER_ESTIMATOR}", so Redis stays bounded`, async () => {
    const p = prefix();
    const m = new TaskMetrics(redis, p);
    for (let i = 0; i < MAX_ESTIMATOR_LABELS + 10; i++) await m.taskCompleted({ estimator: `Plugin${i}`, seconds: 1 });
    await m.taskCompleted({ estimator: 'Plugin0', seconds: 1 });
    const { durations, completed } = await m.read();
    expect(completed).toBe(MAX_ESTIMATOR_LABELS + 11);
    expect(durations).toHaveLength(MAX_ESTIMATOR_LABELS + 1);
    expect(durations.find((h) => h.estimator === OTHER_ESTIMATOR)?.count).toBe(10);
    expect(durations.find((h) => h.estimator === 'Plugin0')?.count).toBe(2);
    expect(await redis.scard(metricKeys(p).estimators)).toBe(MAX_ESTIMATOR_LABELS);
    // Per name: a count per bucket, past the last bound, the count and the sum at most.
    expect(await redis.hlen(metricKeys(p).taskSeconds)).toBeLessThanOrEqual((MAX_ESTIMATOR_LABELS + 1) * (TASK_SECONDS_BUCKETS.length + 3));
  });

  it('with a flush interval, writes the first count at once and the ones within the interval together at its end; close writes the rest', async () => {
    const p = prefix();
    const m = new TaskMetrics(redis, p, 300);
    const reader = new TaskMetrics(redis, p);
    await m.taskCompleted({ estimator: 'SVC', seconds: 0.2 });
    expect((await reader.read()).completed).toBe(1);
    const started = Date.now();
    const batch = [m.taskCompleted({ estimator: 'SVC', seconds: 3 }), m.taskCompleted({ estimator: 'KNeighborsClassifier', seconds: 0.01 }), m.taskCompleted(), m.taskFailed()];
    // Not written yet: they wait for the interval's end.
    expect(await reader.read()).toMatchObject({ completed: 1, failed: 0 });
    await Promise.all(batch);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const read = await reader.read();
    expect(read).toMatchObject({ completed: 4, failed: 1 });
    const svc = read.durations.find((h) => h.estimator === 'SVC')!;
    expect([svc.count, svc.sum, svc.buckets[bucketOf(0.2)], svc.buckets[bucketOf(3)]]).toEqual([2, 3.2, 1, 1]);
    expect(read.durations.find((h) => h.estimator === 'KNeighborsClassifier')).toMatchObject({ count: 1, sum: 0.01 });
    // Within the next interval: held until close, which writes it at once.
    const late = m.taskCompleted({ estimator: 'SVC', seconds: 1 });
    await m.close();
    await late;
    expect((await reader.read()).completed).toBe(5);
  });

  it('labels a Pipeline by its steps', () => {
    expect(estimatorLabel({ name: 'SGDClassifier' })).toBe('SGDClassifier');
    expect(estimatorLabel({ name: 'Pipeline', steps: [{ name: 'StandardScaler' }, { name: 'SGDClassifier' }] })).toBe('Pipeline(StandardScaler,SGDClassifier)');
  });
});

const info = (id: string, pid: number): WorkerInfo => ({ id, name: id, host: 'h', pid, concurrency: 1, threads: 2, refit_threads: 4, started_at: 1, jobs: [{ job: 'x.g0.t3', kind: 'fit', experiment: 'x', task: 3, since: 2 }] });

describe('WorkerRegistry', () => {
  it('lists a worker while its heartbeat lasts, with what it said and when Redis got it; drops it once it expires', async () => {
    const p = prefix();
    const registry = new WorkerRegistry(redis, p);
    const at = await registry.beat(info('h:1', 1), 300);
    await registry.beat(info('h:2', 2), 60_000);
    const listed = await registry.list();
    expect(listed.map((w) => w.id)).toEqual(['h:1', 'h:2']);
    expect(listed[0]).toMatchObject({ ...info('h:1', 1), heartbeat_at: at, ttl_ms: 300 });
    expect(listed[0].heartbeat_age_ms).toBeLessThan(300);
    expect(await registry.count()).toBe(2);
    await new Promise((r) => setTimeout(r, 400));
    expect((await registry.list()).map((w) => w.id)).toEqual(['h:2']);
    expect(await registry.count()).toBe(1);
    // The expired one's record is gone (TTL), and the next heartbeat prunes it from the index.
    expect(await redis.exists(workerKeys(p).worker('h:1'))).toBe(0);
    await registry.beat(info('h:2', 2), 60_000);
    expect(await redis.zrange(workerKeys(p).index, 0, -1)).toEqual(['h:2']);
  });

  it('forgets a worker that stops at once', async () => {
    const p = prefix();
    const registry = new WorkerRegistry(redis, p);
    await registry.beat(info('h:1', 1), 60_000);
    await registry.remove('h:1');
    expect(await registry.list()).toEqual([]);
    expect(await registry.count()).toBe(0);
  });
});

describe('ExperimentStore.statusCounts', () => {
  const spec = checkSpec({ name: 's', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: { n_splits: 3 } });

  it('counts the statuses of the newest experiments only, and all of them in the total', async () => {
    const store = new ExperimentStore(redis, prefix());
    for (let i = 0; i < 5; i++) await store.create(`e${i}`, spec, 1000 + i);
    await store.finish('e0', 'completed');
    await store.finish('e1', 'failed', { error: 'x' });
    await store.finish('e4', 'cancelled');
    expect(await store.statusCounts(100)).toEqual({ counts: { queued: 2, running: 0, completed: 1, failed: 1, cancelled: 1 }, scanned: 5, total: 5 });
    // The newest two: e4 (cancelled) and e3 (queued).
    expect(await store.statusCounts(2)).toEqual({ counts: { queued: 1, running: 0, completed: 0, failed: 0, cancelled: 1 }, scanned: 2, total: 5 });
    expect(await store.statusCounts(0)).toEqual({ counts: { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 }, scanned: 0, total: 5 });
  });
});
