import { describe, expect, it } from 'vitest';
import '../../src/estimators/builtins.js';
import { checkSpec, type CheckSpecOptions } from '../../src/plan/check-spec.js';
import { planExperiment } from '../../src/plan/plan.js';
import { SpecError, type SpecIssue } from '../../src/spec/validate.js';
import { specIssues } from '../spec/spec-issues.js';

const base = { name: 'x', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: 3, refit: false };
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
/** A Pipeline's unknown names are not UnknownParameterErrors, so nothing short-circuited this grid before its cells were visited. */
const pipeline = { name: 'Pipeline', steps: [{ name: 'StandardScaler' }, { name: 'KNeighborsClassifier' }] };

function issuesOf(input: unknown, options?: CheckSpecOptions) {
  return specIssues(() => checkSpec(input, options));
}

describe('checkSpec: size by arithmetic, before any cell is visited', () => {
  it('refuses the 10**9-cell grid of issue 13 at once, naming param_grid, the numbers and the limit', () => {
    const grid = { kneighborsclassifier__n_neighbors: range(1000, 1), a: range(1000), b: range(1000) };
    // Visiting the cells took 68 s and then the heap; the test's own time limit guards against a return to that.
    expect(issuesOf({ ...base, estimator: pipeline, param_grid: grid })).toEqual([
      { path: 'param_grid', message: '1000000000 cells x 3 folds = 3000000000 fits, more than the limit of 20000' },
    ]);
  }, 10_000);

  it('adds up a param_grid given as a list of many dicts', () => {
    const dicts = range(5000).map((i) => ({ n_neighbors: [i + 1, i + 2] }));
    expect(issuesOf({ ...base, param_grid: dicts })).toEqual([{ path: 'param_grid', message: '10000 cells x 3 folds = 30000 fits, more than the limit of 20000' }]);
  });

  it('says "about" for counts past 2**53 and never prints Infinity', () => {
    const names = (n: number, values: number[]) => Object.fromEntries(range(n).map((i) => [`p${i}`, values]));
    expect(issuesOf({ ...base, param_grid: names(60, [1, 2]) })[0].message).toBe('about 1.15e+18 cells x 3 folds = about 3.46e+18 fits, more than the limit of 20000');
    expect(issuesOf({ ...base, param_grid: names(700, [1, 2, 3]) })[0].message).toBe('more than 1e308 cells x 3 folds = more than 1e308 fits, more than the limit of 20000');
  });

  it('counts n_iter draws for a random search (the cells of an all-list grid when fewer), and folds alone', () => {
    const random = { ...base, search: { kind: 'random', n_iter: 100_000 } };
    expect(issuesOf({ ...random, param_distributions: { n_neighbors: { randint: [1, 100] } } })).toEqual([
      { path: 'search.n_iter', message: 'n_iter 100000 x 3 folds = 300000 fits, more than the limit of 20000' },
    ]);
    expect(issuesOf({ ...random, param_distributions: { n_neighbors: range(9000, 1) } })).toEqual([
      { path: 'param_distributions', message: '9000 cells x 3 folds = 27000 fits, more than the limit of 20000' },
    ]);
    expect(issuesOf({ ...base, cv: 30_000 })).toEqual([{ path: 'cv', message: '1 cells x 30000 folds = 30000 fits, more than the limit of 20000' }]);
  });

  it('takes the limit as an option', () => {
    const spec = { ...base, param_grid: { n_neighbors: [1, 2, 3, 4] } };
    expect(issuesOf(spec, { maxCellFolds: 10 })).toEqual([{ path: 'param_grid', message: '4 cells x 3 folds = 12 fits, more than the limit of 10' }]);
    expect(planExperiment(checkSpec(spec, { maxCellFolds: 12 })).tasks).toHaveLength(3);
  });

  it('refuses more than 10,000 values listed in all (each one is checked by building an estimator)', () => {
    const dicts = range(20).map((i) => Object.fromEntries(range(600).map((j) => [`p${j}`, [i]])));
    expect(issuesOf({ ...base, cv: null, refit: true, param_grid: dicts })).toEqual([{ path: 'param_grid', message: 'lists 12000 values in all, more than the limit of 10000' }]);
  });
});

describe("checkSpec: values over gridfold's limits are spec errors, wherever they stand", () => {
  const forest = { name: 'RandomForestClassifier' };
  const message = "RandomForestClassifier: n_estimators must be an integer in [1, 10000] (gridfold's limit), got 1000000000";

  it('in estimator.params and in a Pipeline step', () => {
    expect(issuesOf({ ...base, estimator: { ...forest, params: { n_estimators: 1e9 } } })).toEqual([{ path: 'estimator.params.n_estimators', message }]);
    const steps = [{ name: 'StandardScaler' }, { ...forest, params: { n_estimators: 1e9 } }];
    expect(issuesOf({ ...base, estimator: { name: 'Pipeline', steps } })).toEqual([{ path: 'estimator.steps.1.params.n_estimators', message }]);
  });

  it('in param_grid (one dict or a list) and in param_distributions (a range whose end is over)', () => {
    expect(issuesOf({ ...base, estimator: forest, param_grid: { n_estimators: [10, 1e9, 20] } })).toEqual([{ path: 'param_grid.n_estimators', message }]);
    expect(issuesOf({ ...base, estimator: forest, param_grid: [{ n_estimators: [10] }, { n_estimators: [1e9] }] })).toEqual([
      { path: 'param_grid.1.n_estimators', message },
    ]);
    const random = { ...base, estimator: forest, search: { kind: 'random', n_iter: 5 } };
    expect(issuesOf({ ...random, param_distributions: { n_estimators: { randint: [1, 1e9 + 1] } } })).toEqual([{ path: 'param_distributions.n_estimators', message }]);
  });

  it("through a wrapper's nested names", () => {
    const ovr = { name: 'OneVsRestClassifier', params: { estimator: { name: 'SGDClassifier' } } };
    expect(issuesOf({ ...base, estimator: ovr, param_grid: { estimator__max_iter: [5, 1e9] } })[0]).toEqual({
      path: 'param_grid.estimator__max_iter',
      message: "OneVsRestClassifier: estimator: SGDClassifier: max_iter must be an integer in [1, 100000] (gridfold's limit), got 1000000000",
    });
  });

  it('leaves other bad values to fail their cells, as scikit-learn does', () => {
    expect(checkSpec({ ...base, estimator: forest, param_grid: { n_estimators: [0, 10] } }).param_grid).toEqual({ n_estimators: [0, 10] });
  });
});

const sgd = { name: 'x', dataset: { source: 'mnist' }, estimator: { name: 'SGDClassifier' }, cv: 3 };
const binary = { source: 'mnist', target: { kind: 'binary', positive: 5 } };

/** The spec's issues; none for a valid spec. */
function issues(input: unknown): SpecIssue[] {
  try {
    checkSpec(input);
    return [];
  } catch (err) {
    if (err instanceof SpecError) return err.issues;
    throw err;
  }
}

describe('checkSpec: names and out-of-fold needs', () => {
  it('names an unknown estimator or step by its place in the spec', () => {
    expect(issues({ ...sgd, estimator: { name: 'SGD' } })).toEqual([{ path: 'estimator.name', message: expect.stringMatching(/must be one of .*"SGDClassifier".*, got "SGD"$/) }]);
    const steps = { name: 'Pipeline', steps: [{ name: 'MinMaxScaler' }, { name: 'SGDClassifier' }] };
    expect(issues({ ...sgd, estimator: steps })).toEqual([{ path: 'estimator.steps.0.name', message: 'estimator.steps.0.name must be one of "StandardScaler", got "MinMaxScaler"' }]);
  });

  it('names a grid parameter the estimator does not have; a bad value only fails its cell', () => {
    expect(issues({ ...sgd, param_grid: { alpha: [0.1], nope: [1] } }).map((i) => i.path)).toEqual(['param_grid.nope']);
    expect(issues({ ...sgd, param_grid: { alpha: [-1] } })).toEqual([]);
  });

  it('checks what out-of-fold metrics need before any work is done', () => {
    const oof = (o: object, dataset: object = binary) => issues({ ...sgd, dataset, oof: o }).map((i) => `${i.path}: ${i.message}`);
    expect(oof({ methods: ['predict'], metrics: ['roc_auc'] })).toEqual(['oof.metrics.0: roc_auc needs oof.methods to include "decision_function" or "predict_proba"']);
    expect(oof({ methods: ['decision_function'], metrics: ['f1'] })).toEqual(['oof.metrics.0: f1 needs oof.methods to include "predict"']);
    expect(oof({ methods: ['predict'], threshold: 0.5 })).toEqual(['oof.threshold: needs oof.methods to include "decision_function" or "predict_proba"']);
    expect(oof({ methods: ['predict'], threshold_for_precision: 0.9 })).toEqual(['oof.threshold_for_precision: needs oof.methods to include "decision_function" or "predict_proba"']);
    expect(oof({ methods: ['predict'], metrics: ['precision'] }, { source: 'mnist' })).toEqual([
      'oof.metrics.0: precision is for binary targets (dataset.target.kind "binary"); use f1_macro or f1_weighted',
    ]);
    const multilabel = { source: 'mnist', target: { kind: 'multilabel', labels: ['large', 'odd'] } };
    expect(oof({ methods: ['predict'], error_pairs: [[3, 5]] }, multilabel)).toEqual([
      'oof.error_pairs: needs class-label predictions (oof.methods "predict", and a binary or multiclass target)',
    ]);
    // The seeds' own combinations pass: scores cut at a threshold stand in for predictions.
    expect(oof({ methods: ['predict_proba'], threshold: 0.5, metrics: ['confusion_matrix', 'f1', 'roc_auc'] })).toEqual([]);
    expect(oof({ methods: ['predict'], metrics: ['f1_macro'] }, multilabel)).toEqual([]);
  });
});
