import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/runner/run-local.js';
import { SpecError } from '../../src/spec/validate.js';

/** scikit-learn 1.2.1 on the same rows and settings: fixtures/make_experiment_fixtures.py. */
const sklearn = JSON.parse(readFileSync(new URL('../../../../fixtures/experiment/run-local.json', import.meta.url), 'utf8'));

/** Small data: a KNN grid on the first 600 MNIST training images, cv=3. */
const base = {
  name: 'small',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { weights: ['uniform', 'distance'], n_neighbors: [1, 3, 5] },
  cv: { n_splits: 3, subset: 600 },
  refit: { subset: 600 },
};

function withoutTimes(r: Awaited<ReturnType<typeof runExperiment>>) {
  return Object.fromEntries(Object.entries(r.cv_results ?? {}).filter(([k]) => !k.includes('_time')));
}

describe('runExperiment (in-process)', () => {
  it('gives identical cv_results whether cells share one neighbour search or not', async () => {
    const grouped = await runExperiment(base);
    const separate = await runExperiment({ ...base, group_cells: false });
    expect(grouped.status).toBe('completed');
    expect(grouped.tasks.total).toBe(3);
    expect(separate.tasks.total).toBe(18);
    expect(withoutTimes(grouped)).toEqual(withoutTimes(separate));
    expect(grouped.best_params).toEqual(separate.best_params);
  });

  it("gives GridSearchCV's cv_results, best cell and test accuracy", async () => {
    const r = await runExperiment(base);
    const want = sklearn.knn_grid;
    expect(r.cv_results!.params).toEqual(want.params);
    expect(r.cv_results!.mean_test_score).toEqual(want.mean_test_score);
    expect(r.cv_results!.std_test_score).toEqual(want.std_test_score);
    expect(r.cv_results!.rank_test_score).toEqual(want.rank_test_score);
    expect(r.best_params).toEqual(want.best_params);
    expect(r.best_score).toBe(want.best_score);
    // 8317 of the 10,000 test images.
    expect(r.test).toEqual({ accuracy: want.test_accuracy });
  });

  it('records a bad parameter value as a failed cell (error_score) and goes on', async () => {
    const r = await runExperiment({ ...base, param_grid: { n_neighbors: [3, -1] }, group_cells: false });
    expect(r.status).toBe('completed');
    expect(r.cv_results!.mean_test_score[1]).toBeNull();
    expect(r.cv_results!.rank_test_score).toEqual([1, 2]);
    expect(r.errors[0].error).toContain('n_neighbors must be an integer >= 1, got -1');
    expect(r.best_params).toEqual({ n_neighbors: 3 });
  });

  it('raises with error_score "raise"', async () => {
    const r = await runExperiment({ ...base, param_grid: { n_neighbors: [3, -1] }, error_score: 'raise', group_cells: false });
    expect(r.status).toBe('failed');
    expect(r.error).toContain('got -1');
  });

  it('rejects unknown estimators and parameter names before running', async () => {
    await expect(runExperiment({ ...base, estimator: { name: 'Nope' } })).rejects.toBeInstanceOf(SpecError);
    await expect(runExperiment({ ...base, param_grid: { k: [1] } })).rejects.toThrow('param_grid.k');
  });

  it('computes out-of-fold metrics in training-row order (cross_val_predict)', async () => {
    const r = await runExperiment({
      name: 'oof',
      dataset: { source: 'mnist', target: { kind: 'binary', positive: 5 } },
      estimator: { name: 'KNeighborsClassifier', params: { n_neighbors: 3 } },
      cv: { n_splits: 3, subset: 600 },
      refit: false,
      oof: { methods: ['predict', 'predict_proba'], metrics: ['confusion_matrix', 'precision', 'recall', 'roc_auc', 'roc_curve'], threshold_for_precision: 0.9 },
    });
    expect(r.status, r.error).toBe('completed');
    const cm = r.metrics.confusion_matrix as number[][];
    // Every one of the 600 rows is predicted exactly once across the 3 folds.
    expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(600);
    const tp = cm[1][1];
    expect(r.metrics.precision).toBe(tp / (tp + cm[0][1]));
    expect(r.metrics.recall).toBe(tp / (tp + cm[1][0]));
    // cross_val_predict + sklearn.metrics on the same rows; a shuffled row order would miss all of them.
    const want = sklearn.oof_five_detector;
    expect(cm).toEqual(want.confusion_matrix);
    expect(r.metrics.precision).toBe(want.precision);
    expect(r.metrics.recall).toBe(want.recall);
    expect(r.metrics.roc_auc).toBe(want.roc_auc);
    expect(r.metrics.threshold_for_precision).toEqual(want.threshold_for_precision);
  });

  it('fits once and tests when cv is null (the seeds baseline)', async () => {
    const r = await runExperiment({ ...base, param_grid: undefined, cv: null });
    expect(r.cv_results).toBeNull();
    expect(r.best_params).toEqual({});
    // KNeighborsClassifier() fitted on the 600 rows: 8120 of the 10,000 test images.
    expect(r.test).toEqual({ accuracy: sklearn.no_cv.test_accuracy });
  });
});

describe('pipeline groups (transformers fitted once per fold)', () => {
  it('gives the same cv_results as fitting every cell alone', async () => {
    const spec = {
      name: 'pipe',
      dataset: { source: 'mnist' },
      estimator: { name: 'Pipeline', steps: [{ name: 'StandardScaler' }, { name: 'SGDClassifier', params: { random_state: 42, max_iter: 20, tol: null } }] },
      param_grid: { sgdclassifier__alpha: [0.0001, 0.001, 0.01] },
      cv: { n_splits: 3, subset: 600 },
      refit: false,
    };
    const grouped = await runExperiment(spec);
    const separate = await runExperiment({ ...spec, group_cells: false });
    expect(grouped.tasks.total).toBe(3);
    expect(separate.tasks.total).toBe(9);
    expect(withoutTimes(grouped)).toEqual(withoutTimes(separate));
  });
});
