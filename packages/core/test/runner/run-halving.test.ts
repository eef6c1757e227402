import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/runner/run-local.js';

/** scikit-learn 1.2.1 HalvingGridSearchCV on 3,000 MNIST images, from fixtures/make_halving_fixtures.py. */
const want = JSON.parse(readFileSync(new URL('../../../../fixtures/search/halving_knn.json', import.meta.url), 'utf8'));

describe('successive halving (HalvingGridSearchCV semantics)', () => {
  it("reproduces scikit-learn's rounds, resources, scores and best params", async () => {
    const r = await runExperiment({
      name: 'halving',
      dataset: { source: 'mnist' },
      estimator: { name: 'KNeighborsClassifier' },
      param_grid: want.param_grid,
      cv: { n_splits: 3, subset: 3000 },
      search: { kind: 'halving', factor: 3, random_state: 0 },
      refit: false,
    });
    expect(r.status, r.error).toBe('completed');
    const cv = r.cv_results!;
    // 18 candidates on 333 rows, the best 6 on 999, the best 2 on 2,997.
    expect(cv.iter).toEqual(want.iter);
    expect(cv.n_resources).toEqual(want.n_resources);
    expect(cv.mean_test_score).toEqual(want.mean_test_score);
    expect(cv.split0_test_score).toEqual(want.split0_test_score);
    expect(cv.rank_test_score).toEqual(want.rank_test_score);
    expect(r.best_index).toBe(want.best_index);
    expect(r.best_params).toEqual(want.best_params);
  });

  it('names a min_resources larger than the data', async () => {
    const r = runExperiment({
      name: 'h', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, param_grid: { n_neighbors: [1, 2, 3] },
      cv: { n_splits: 3, subset: 300 }, search: { kind: 'halving', min_resources: 5000 }, refit: false,
    });
    expect((await r).error).toContain('search.min_resources (5000) is more than the 300 training rows available');
  });
});
