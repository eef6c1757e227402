import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ExperimentResult } from '../../src/report/result.js';
import { runExperiment } from '../../src/runner/run-local.js';

/**
 * scikit-learn 1.2.1 on the same files, with the species names as y:
 * fixtures/make_csv_labels_fixtures.py wrote train.csv, test.csv.gz and expected.json.
 */
const FIXTURE = new URL('../../../../fixtures/csv-labels/', import.meta.url);
const dataDir = fileURLToPath(FIXTURE);
const sklearn = JSON.parse(readFileSync(new URL('expected.json', FIXTURE), 'utf8'));

const dataset = { source: 'csv', train: 'train.csv', test: 'test.csv.gz', label: 'species' };
const sgdPipeline = (params: Record<string, unknown> = {}) => ({
  name: 'Pipeline',
  steps: [{ name: 'StandardScaler' }, { name: 'SGDClassifier', params: { random_state: 42, ...params } }],
});

/** The GridSearchCV numbers the fixture records for one search, from a gridfold result. */
function searchNumbers(r: ExperimentResult) {
  const cv = r.cv_results!;
  return {
    params: cv.params,
    split_test_scores: Array.from({ length: 5 }, (_, k) => cv[`split${k}_test_score`]),
    mean_test_score: cv.mean_test_score,
    std_test_score: cv.std_test_score,
    rank_test_score: cv.rank_test_score,
    best_params: r.best_params,
    best_score: r.best_score,
    best_index: r.best_index,
    test_accuracy: r.test!.accuracy,
    test_examples: r.test_examples!.map(({ target, prediction }) => ({ target, prediction })),
  };
}

describe('runExperiment on a CSV with class names (train.csv + test.csv.gz)', () => {
  it('KNN grid: GridSearchCV\'s cv_results, best cell and test accuracy; the result names the classes', async () => {
    const r = await runExperiment(
      { name: 'knn', dataset, estimator: { name: 'KNeighborsClassifier' }, param_grid: sklearn.knn.param_grid, cv: 5, refit: { examples: 5 } },
      { dataDir },
    );
    expect(r.status, r.error).toBe('completed');
    // LabelEncoder's sorted order, not the order the names first appear in the file.
    expect(r.classes).toEqual(sklearn.classes);
    expect(sklearn.first_appearance).not.toEqual(sklearn.classes);
    const { param_grid: _, ...want } = sklearn.knn;
    expect(searchNumbers(r)).toEqual(want);
  });

  it('StandardScaler + SGD grid: one-vs-rest seeds follow the class order, so every score checks it', async () => {
    const r = await runExperiment(
      { name: 'sgd', dataset, estimator: sgdPipeline(), param_grid: sklearn.sgd.param_grid, cv: 5, refit: { examples: 5 } },
      { dataDir },
    );
    expect(r.status, r.error).toBe('completed');
    const { param_grid: _, ...want } = sklearn.sgd;
    expect(searchNumbers(r)).toEqual(want);
  });

  it('cross_val_predict: the confusion matrix in class-name order, labelled by name', async () => {
    const r = await runExperiment(
      { name: 'oof', dataset, estimator: sgdPipeline({ alpha: 0.01 }), cv: 5, refit: false, oof: { methods: ['predict'], metrics: ['confusion_matrix', 'f1_macro'] } },
      { dataDir },
    );
    expect(r.status, r.error).toBe('completed');
    expect(r.metrics).toEqual(sklearn.oof);
  });

  it('fails error analysis, whose class pairs are integers, on class names instead of guessing', async () => {
    const r = await runExperiment(
      { name: 'pairs', dataset, estimator: sgdPipeline(), cv: 5, refit: false, oof: { methods: ['predict'], error_pairs: [[0, 1]] } },
      { dataDir },
    );
    expect(r.status).toBe('failed');
    expect(r.error).toBe('oof.error_pairs names integer classes, but this dataset\'s classes are names ("setosa", "versicolor", "virginica"); error analysis needs integer labels');
  });

  it('a binary target whose positive class is a name (virginica vs the rest)', async () => {
    const r = await runExperiment(
      { name: 'binary', dataset: { ...dataset, target: { kind: 'binary', positive: 'virginica' } }, estimator: { name: 'KNeighborsClassifier' }, cv: 5, refit: false },
      { dataDir },
    );
    expect(r.status, r.error).toBe('completed');
    expect(Array.from({ length: 5 }, (_, k) => r.cv_results![`split${k}_test_score`][0])).toEqual(sklearn.binary.split_test_scores);
  });
});
