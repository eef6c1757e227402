import { checkSpec } from '@gridfold/core';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestApp } from '../helpers/test-app.js';

// Invalid specs in bulk (test/fuzz.test.ts), which fields a bad spec names
// (test/distributed.test.ts), submission limits and auth (test/security.test.ts), and a cancel
// of a cancelled experiment (test/distributed.test.ts) are tested elsewhere; here are the other
// error answers of /api/experiments, each with its exact body.

const spec = { name: 'routes', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: { n_splits: 3, subset: 300 }, refit: false };
const checked = checkSpec(spec);

describe('/api/experiments error answers', () => {
  const t = openTestApp();
  afterAll(() => t.cleanup());

  it('answers 400 with the spec issues, path by path, and stores nothing', async () => {
    const res = await request(t.app).post('/api/experiments').send({ ...spec, cv: { n_splits: 1 } }).expect(400);
    // The message is zod's for the schema's `min(2)` on cv.n_splits.
    expect(res.body).toEqual({ error: 'invalid experiment spec', issues: [{ path: 'cv.n_splits', message: 'Too small: expected number to be >=2' }] });
    const notAnObject = await request(t.app).post('/api/experiments').send([]).expect(400);
    expect(notAnObject.body).toEqual({ error: 'invalid experiment spec', issues: [{ path: '', message: 'Invalid input: expected object, received array' }] });
    expect(await t.store.list()).toEqual([]);
  });

  it('answers 404 JSON for an experiment it does not have, on every route that takes an id', async () => {
    const missing = { error: 'no experiment "nope"' };
    expect((await request(t.app).get('/api/experiments/nope').expect(404)).body).toEqual(missing);
    expect((await request(t.app).delete('/api/experiments/nope').expect(404)).body).toEqual(missing);
    expect((await request(t.app).post('/api/experiments/nope/retry').expect(404)).body).toEqual(missing);
  });

  it.each(['completed', 'failed'] as const)('answers 409 to cancelling a %s experiment and leaves it as it was', async (status) => {
    const id = `ended-${status}`;
    await t.store.create(id, checked, 1000);
    await t.store.finish(id, status, {}, 2000);
    const res = await request(t.app).delete(`/api/experiments/${id}`).expect(409);
    expect(res.body).toEqual({ error: `experiment ${id} is already ${status}`, status });
    expect(await t.store.get(id)).toMatchObject({ status, finished_at: 2000, error: undefined });
  });

  it('answers 409 to retrying an experiment that has not ended, and queues nothing', async () => {
    const submitted = await request(t.app).post('/api/experiments').send(spec).expect(201);
    const id = submitted.body.id;
    const jobs = await t.queue.count();
    const res = await request(t.app).post(`/api/experiments/${id}/retry`).expect(409);
    expect(res.body).toEqual({ error: `experiment ${id} is queued; only an ended one can be retried`, status: 'queued' });
    expect(await t.store.generation(id)).toBe(0);
    expect(await t.queue.count()).toBe(jobs);
  });
});

describe('POST /api/experiments answer', () => {
  const t = openTestApp();
  afterAll(() => t.cleanup());

  it('says how many (cell, fold) fits its tasks run: grouped KNN cells, and batches of single fits', async () => {
    // 4 KNN cells x 3 folds = 12 fits, grouped into one neighbour search a fold: 3 tasks.
    const knn = await request(t.app).post('/api/experiments').send({ ...spec, param_grid: { n_neighbors: [1, 2, 3, 4] } }).expect(201);
    expect(knn.body).toMatchObject({ tasks: 3, fits: 12 });
    // 6 SGD cells x 3 folds = 18 single fits, 4 to a job within a fold (batch_size): 2 jobs a fold.
    const sgd = { ...spec, estimator: { name: 'SGDClassifier' }, param_grid: { alpha: [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1] }, batch_size: 4 };
    expect((await request(t.app).post('/api/experiments').send(sgd).expect(201)).body).toMatchObject({ tasks: 6, fits: 18 });
  });
});

describe('GET /api/experiments limit', () => {
  const t = openTestApp();
  afterAll(() => t.cleanup());

  it('takes a limit from 1 to 500 (default 50), and answers anything else with 400 naming the value and the range', async () => {
    await t.store.create('older', checked, 1000);
    await t.store.create('newer', checked, 2000);
    const ids = async (query: string) => (await request(t.app).get(`/api/experiments${query}`).expect(200)).body.experiments.map((e: { id: string }) => e.id);
    expect(await ids('?limit=1')).toEqual(['newer']);
    expect(await ids('?limit=500')).toEqual(['newer', 'older']);
    expect(await ids('')).toEqual(['newer', 'older']);
    // ?limit=0 used to list 50, and ?limit=abc the default: both silently.
    for (const bad of ['0', '-5', 'abc', '501', '1.5', '']) {
      const res = await request(t.app).get(`/api/experiments?limit=${bad}`).expect(400);
      expect(res.body).toEqual({ error: `limit must be an integer from 1 to 500, got ${JSON.stringify(bad)}` });
    }
  });
});
