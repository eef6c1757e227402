import { runExperiment } from '@gridfold/core';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './helpers/cluster.js';
import { scoresOnly } from './helpers/compare.js';

/** Successive halving through the API: rounds enqueued as earlier ones finish, same result as --local. */
const spec = {
  name: 'halving',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { n_neighbors: [1, 2, 3, 4, 5, 6, 7, 8, 9], weights: ['uniform', 'distance'] },
  cv: { n_splits: 3, subset: 3000 },
  search: { kind: 'halving', factor: 3, random_state: 0 },
  refit: { subset: 3000 },
};

describe('successive halving on workers', () => {
  const cluster = new TestCluster({ workers: 2 });
  afterAll(() => cluster.close());

  it('runs round after round and matches the in-process search', async () => {
    const local = await runExperiment(spec);
    const { body } = await request(cluster.api.app).post('/api/experiments').send(spec).expect(201);
    const view = await waitFor(async () => {
      const r = await request(cluster.api.app).get(`/api/experiments/${body.id}`);
      return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
    }, 120_000, 'the halving search to finish');
    expect(view.status, view.error).toBe('completed');
    expect(scoresOnly(view.result.cv_results)).toEqual(scoresOnly(local.cv_results));
    expect(view.result.best_params).toEqual(local.best_params);
    expect(view.result.test).toEqual(local.test);
    // Three rounds, one task per fold each (KNN cells share one neighbour search).
    expect(view.progress).toMatchObject({ done: 9, total: 9 });
  });
});
