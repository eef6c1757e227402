import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './helpers/cluster.js';

/**
 * The one full-MNIST end-to-end test: seed 003's grid search (cells [83]-[86]) through the
 * API with 2 worker processes must print the seed's numbers exactly.
 */
const spec = JSON.parse(readFileSync(new URL('../experiments/mnist-knn-grid.json', import.meta.url), 'utf8'));

describe('seed KNN grid end to end (API + 2 workers, full MNIST)', () => {
  const cluster = new TestCluster({ workers: 2 });
  afterAll(() => cluster.close());

  it('gives best_params {n_neighbors: 4, weights: distance}, best_score 0.9442, test accuracy 0.9714', async () => {
    const submitted = await request(cluster.api.app).post('/api/experiments').send(spec).expect(201);
    const view = await waitFor(async () => {
      const r = await request(cluster.api.app).get(`/api/experiments/${submitted.body.id}`);
      return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
    }, 240_000, 'the seed grid to finish');
    expect(view.status, view.error).toBe('completed');
    expect(view.result.best_params).toEqual({ n_neighbors: 4, weights: 'distance' });
    // Seed 003 [85] prints 0.944199999999998; scikit-learn 1.2.1 here gives 0.9441999999999998.
    expect(view.result.best_score).toBe(0.9441999999999998);
    expect(view.result.test).toEqual({ accuracy: 0.9714 });
    expect(view.progress).toMatchObject({ done: 5, total: 5 });
  });

  it('shows the one queue in /health and Bull Board, with every job of the flow', async () => {
    const health = await request(cluster.api.app).get('/health').expect(200);
    expect(Object.keys(health.body.queues)).toEqual(['gridfold-jobs']);
    // 5 fit tasks, the aggregate and the refit.
    expect(health.body.queues['gridfold-jobs'].completed).toBe(7);
    const board = await request(cluster.api.app).get('/admin/queues').expect(200);
    expect(board.text).toContain('<title>');
    const api = await request(cluster.api.app).get('/admin/queues/api/queues?activeQueue=gridfold-jobs&status=completed&page=1&jobsPerPage=10').expect(200);
    expect(api.body.queues.map((q: { name: string }) => q.name)).toEqual(['gridfold-jobs']);
    const kinds = api.body.queues[0].jobs.map((j: { name: string }) => j.name.split(' ')[0]).sort();
    expect(kinds).toEqual(['aggregate', 'fit', 'fit', 'fit', 'fit', 'fit', 'refit']);
  });

  it('runs every job of a worker in one sandboxed processor', () => {
    const sandboxes = cluster.workers.map((w) => w.sandboxes().length);
    expect(Math.max(...sandboxes)).toBe(1);
  });
});
