import { checkSpec } from '@gridfold/core';
import { QUEUE } from '@gridfold/queue';
import { Worker } from 'bullmq';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/routes/storage.js';
import { openTestApp, type TestApp } from '../helpers/test-app.js';

// One cell, cv=3: a flow of 5 jobs (refit, aggregate, 3 fit tasks). Times are hand-chosen
// offsets from now, in days.
const spec = { name: 'storage', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: { n_splits: 3, subset: 300 }, refit: false };
const checked = checkSpec(spec);
const DAY = 86_400_000;

/** Every key under the app's prefix that names the experiment (store keys and BullMQ job keys). */
async function keysOf(t: TestApp, id: string): Promise<string[]> {
  return t.redis.keys(`${t.prefix}:*${id}*`);
}

async function submitEnded(t: TestApp): Promise<string> {
  const id = (await request(t.app).post('/api/experiments').send(spec).expect(201)).body.id;
  await t.store.saveOof(id, 0, { indices: [0, 1], predict: [1, 0] });
  await t.store.endTask(id, { task: 0, fold: 0, cells: [{ cell: 0, test_score: 0.5, fit_ms: 1, score_ms: 1 }], ms: 2 }, { generation: 0, fingerprint: '' });
  await t.store.finish(id, 'cancelled', { error: 'cancelled by request' });
  return id;
}

describe('DELETE /api/experiments/:id?purge=true', () => {
  const t = openTestApp();
  afterAll(() => t.cleanup());

  it('deletes an ended experiment with every key it has: store keys, index entry and BullMQ jobs', async () => {
    const id = await submitEnded(t);
    const kept = await submitEnded(t);
    expect((await keysOf(t, id)).length).toBeGreaterThan(5);
    const res = await request(t.app).delete(`/api/experiments/${id}?purge=true`).expect(200);
    expect(res.body).toEqual({ id, purged: true, freed_bytes: expect.any(Number), removed_jobs: 5 });
    expect(res.body.freed_bytes).toBeGreaterThan(0);
    expect(await keysOf(t, id)).toEqual([]);
    expect(await t.store.list()).toEqual([kept]);
    expect(await t.queue.count()).toBe(5);
    await request(t.app).get(`/api/experiments/${id}`).expect(404);
  });

  it('answers 409 for an experiment that has not ended, saying to cancel it first, and deletes nothing', async () => {
    const id = (await request(t.app).post('/api/experiments').send(spec).expect(201)).body.id;
    const before = await keysOf(t, id);
    const res = await request(t.app).delete(`/api/experiments/${id}?purge=true`).expect(409);
    expect(res.body).toEqual({ error: `experiment ${id} is queued; cancel it first (DELETE /api/experiments/${id} without purge), then purge it`, status: 'queued' });
    expect((await keysOf(t, id)).sort()).toEqual(before.sort());
  });

  it('answers 404 for an experiment it does not have, and still cancels without purge', async () => {
    expect((await request(t.app).delete('/api/experiments/nope?purge=true').expect(404)).body).toEqual({ error: 'no experiment "nope"' });
    const id = (await request(t.app).post('/api/experiments').send(spec).expect(201)).body.id;
    expect((await request(t.app).delete(`/api/experiments/${id}`).expect(200)).body).toMatchObject({ id, status: 'cancelled' });
  });
});

describe('DELETE /api/experiments/:id?purge=true with a job still active', () => {
  const t = openTestApp();
  afterAll(() => t.cleanup());

  it('answers 409 while a task begun before the cancel is still active, and purges once it has ended', async () => {
    const id = (await request(t.app).post('/api/experiments').send(spec).expect(201)).body.id;
    const worker = new Worker(QUEUE, null, { connection: t.redis, prefix: t.prefix, autorun: false });
    try {
      const job = (await worker.getNextJob('token'))!;
      expect(job.data.experimentId).toBe(id);
      await request(t.app).delete(`/api/experiments/${id}`).expect(200);
      const busy = await request(t.app).delete(`/api/experiments/${id}?purge=true`).expect(409);
      expect(busy.body).toEqual({ error: `experiment ${id} has 1 job(s) still running (begun before it ended); purge it once they finish`, id, purged: false, reason: 'busy', active_jobs: 1 });
      await job.moveToCompleted({ skipped: 'cancelled' }, 'token', false);
      await request(t.app).delete(`/api/experiments/${id}?purge=true`).expect(200);
      expect(await keysOf(t, id)).toEqual([]);
    } finally {
      await worker.close();
    }
  });

});

describe('POST /api/experiments/prune', () => {
  const t = openTestApp();
  afterAll(() => t.cleanup());

  it('deletes the experiments that ended before the age, and keeps recent and running ones', async () => {
    const now = Date.now();
    for (const id of ['old', 'old-running', 'ended-lately', 'new']) await t.store.create(id, checked, id === 'new' ? now : now - 40 * DAY);
    await t.store.finish('old', 'completed', {}, now - 35 * DAY);
    await t.store.beginTask('old-running', 0, 'w1', { generation: 0, fingerprint: '' }, now - 40 * DAY);
    await t.store.finish('ended-lately', 'failed', { error: 'boom' }, now - DAY);
    const res = await request(t.app).post('/api/experiments/prune').send({ older_than: '30d' }).expect(200);
    expect(res.body).toEqual({ cutoff: expect.any(Number), purged: ['old'], freed_bytes: expect.any(Number), kept: [{ id: 'old-running', reason: 'running' }] });
    expect(res.body.cutoff).toBeGreaterThanOrEqual(now - 30 * DAY);
    expect((await t.store.list()).sort()).toEqual(['ended-lately', 'new', 'old-running']);
  });

  it('answers 400 naming older_than for an age it cannot read', async () => {
    const res = await request(t.app).post('/api/experiments/prune').send({ older_than: '30 days' }).expect(400);
    const message = 'must be a whole number of days, hours, minutes or seconds like "30d", "12h", "90m" or "45s", got "30 days"';
    expect(res.body).toEqual({ error: `older_than ${message}`, issues: [{ path: 'older_than', message }] });
  });

  it.each([
    ['30d', 30 * DAY],
    ['12h', 12 * 3_600_000],
    ['90m', 90 * 60_000],
    ['45s', 45_000],
    ['1.5d', null],
    ['d', null],
    [30, null],
  ])('reads the age %j as %j milliseconds', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('bytes of Redis in use', () => {
  const t = openTestApp();
  afterAll(() => t.cleanup());

  it('gives an experiment\'s bytes in GET /api/experiments/:id, growing as its results are stored', async () => {
    const id = (await request(t.app).post('/api/experiments').send(spec).expect(201)).body.id;
    const before = (await request(t.app).get(`/api/experiments/${id}`).expect(200)).body.redis_bytes;
    // 3,000 float64 scores: 24,000 bytes at least.
    await t.store.saveOof(id, 0, { indices: Array.from({ length: 3000 }, (_, i) => i), decision_function: Array.from({ length: 3000 }, (_, i) => [i + 0.1]) });
    const after = (await request(t.app).get(`/api/experiments/${id}`).expect(200)).body.redis_bytes;
    expect(before).toBeGreaterThan(0);
    expect(after - before).toBeGreaterThanOrEqual(24_000);
  });

  it('gives Redis\'s totals in /health', async () => {
    const res = await request(t.app).get('/health').expect(200);
    expect(res.body.memory).toEqual({ used_bytes: expect.any(Number), max_bytes: expect.any(Number), policy: expect.any(String), full: false, cache_bytes: 0, experiments: 1 });
    expect(res.body.memory.used_bytes).toBeGreaterThan(0);
  });
});
