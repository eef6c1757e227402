import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runToEnd, TestCluster } from './helpers/cluster.js';

/**
 * A CSV with class names through the API and a real worker process: the result names the
 * classes as scikit-learn 1.2.1 does on the same files (fixtures/make_csv_labels_fixtures.py
 * wrote train.csv, test.csv.gz and expected.json; the in-process run is matched number for
 * number in packages/core/test/runner/run-local-csv.test.ts).
 */
const FIXTURE = new URL('../fixtures/csv-labels/', import.meta.url);
const sklearn = JSON.parse(readFileSync(new URL('expected.json', FIXTURE), 'utf8'));
const dataset = { source: 'csv', train: 'train.csv', test: 'test.csv.gz', label: 'species' };

describe('CSV class names on workers', () => {
  const cluster = new TestCluster({ workers: 1, dataDir: fileURLToPath(FIXTURE) });
  afterAll(() => cluster.close());

  it('carries the class names in classes, test_examples and the confusion matrix labels', async () => {
    const [grid, oof] = await Promise.all([
      runToEnd(cluster, { name: 'csv-knn', dataset, estimator: { name: 'KNeighborsClassifier' }, param_grid: sklearn.knn.param_grid, cv: 5, refit: { examples: 5 } }),
      runToEnd(cluster, {
        name: 'csv-oof',
        dataset,
        estimator: { name: 'Pipeline', steps: [{ name: 'StandardScaler' }, { name: 'SGDClassifier', params: { random_state: 42, alpha: 0.01 } }] },
        cv: 5,
        refit: false,
        oof: { methods: ['predict'], metrics: ['confusion_matrix', 'f1_macro'] },
      }),
    ]);
    expect(grid.status, grid.error).toBe('completed');
    expect(grid.result!.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(grid.result!.best_params).toEqual(sklearn.knn.best_params);
    expect(grid.result!.test).toEqual({ accuracy: sklearn.knn.test_accuracy });
    expect(grid.result!.test_examples!.map(({ target, prediction }) => ({ target, prediction }))).toEqual(sklearn.knn.test_examples);
    expect(oof.status, oof.error).toBe('completed');
    expect(oof.result!.metrics).toEqual(sklearn.oof);
  });
});
