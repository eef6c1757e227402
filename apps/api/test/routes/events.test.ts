import { checkSpec } from '@gridfold/core';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestApp } from '../helpers/test-app.js';

const spec = checkSpec({ name: 'events', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: { n_splits: 3, subset: 300 }, refit: false });

describe('live event routes, error answers', () => {
  const t = openTestApp();
  afterAll(() => t.cleanup());

  it('answers 404 JSON, not a stream, for an experiment it does not have', async () => {
    const res = await request(t.app).get('/api/experiments/nope/events').expect(404).expect('content-type', /application\/json/);
    expect(res.body).toEqual({ error: 'no experiment "nope"' });
  });

  it('answers 503 JSON instead of opening a stream once the app is closing', async () => {
    await t.store.create('e', spec, 1000);
    await t.close();
    expect((await request(t.app).get('/api/experiments/e/events').expect(503)).body).toEqual({ error: 'server is shutting down' });
    expect((await request(t.app).get('/api/events').expect(503)).body).toEqual({ error: 'server is shutting down' });
  });
});
