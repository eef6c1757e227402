import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, viewWhenEnded } from './helpers/cluster.js';
import { mnistIdxDir } from './helpers/data-dir.js';

/**
 * A fit task past its time limit is killed and its cells recorded as failed with the reason;
 * the worker goes on with the next task. On 600 MNIST digits (loaded in milliseconds), cell 1
 * runs SGD for 10^7 epochs (over ten minutes here), cell 0 for one; fit tasks get 2 s.
 */
let data: { dir: string; images: string; labels: string };
beforeAll(async () => {
  data = await mnistIdxDir(600);
});
const spec = {
  name: 'limits',
  dataset: { source: 'idx', train_images: 'images.idx', train_labels: 'labels.idx', target: { kind: 'binary', positive: 5 } },
  estimator: { name: 'SGDClassifier', params: { random_state: 42, tol: null } },
  param_grid: { max_iter: [1, 10_000_000] },
  cv: { n_splits: 2, subset: 2000 },
  refit: false,
  group_cells: false,
  timeouts: { fit_s: 2 },
};

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('time limits', () => {
  it('kills a fit task past its limit, records its cells as failed with the reason, and goes on', async () => {
    cluster = new TestCluster({ workers: 1, lockMs: 2000, stalledMs: 1000, dataDir: data.dir });
    const { body } = await request(cluster.api.app).post('/api/experiments').send(spec).expect(201);
    const view = await viewWhenEnded(cluster.api.app, body.id, 60_000);
    expect(view.status, view.error).toBe('completed');
    expect(view.result.errors).toEqual([
      { cell: 1, fold: 0, error: 'fit task exceeded its 2s time limit' },
      { cell: 1, fold: 1, error: 'fit task exceeded its 2s time limit' },
    ]);
    expect(view.result.best_params).toEqual({ max_iter: 1 });
    expect(view.result.cv_results.mean_test_score[1]).toBeNull();
  });

  it('rejects a limit out of bounds, naming the field', async () => {
    cluster = new TestCluster({ workers: 0, dataDir: data.dir });
    const { body } = await request(cluster.api.app).post('/api/experiments').send({ ...spec, timeouts: { fit_s: 0 } }).expect(400);
    expect(body.issues).toEqual([{ path: 'timeouts.fit_s', message: 'seconds, from 1 to 604800 (7 days)' }]);
  });
});
