import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/matrix.js';
import '../../src/estimators/builtins.js';
import { SGDClassifier, type SGDClassifierParams } from '../../src/estimators/sgd.js';
import { buildEstimator } from '../../src/estimators/registry.js';
import { loadDataset } from '../../src/datasets/load.js';
import { checkSpec } from '../../src/plan/check-spec.js';
import { planExperiment } from '../../src/plan/plan.js';
import { fitAndScore } from '../../src/evaluate/fit-and-score.js';
import { foldData } from '../../src/splitters/fold-data.js';
import { SCORERS, score } from '../../src/metrics/scorers.js';
import { loadLinearFixture } from '../estimators/linear-fixtures.js';

// Hand reasoning behind every expectation here: the model an estimator shows after step k is
// the one a fit stopped at k returns (SGD: max_iter = k; the stopping test only looks back, so
// this holds with a tolerance set as well), so its score is that fit's score, exactly.

const fixture = loadLinearFixture<{ X: number[][]; y: number[]; y_binary: number[] }>('sgd.json');
const X = new Matrix(Float64Array.from(fixture.X.flat()), fixture.X.length, fixture.X[0].length);

async function epochModels(params: Partial<SGDClassifierParams>, y: Int32Array): Promise<{ full: SGDClassifier; models: SGDClassifier[] }> {
  const models: SGDClassifier[] = [];
  const clf = new SGDClassifier(params);
  clf.onStepModel = async (epoch, model) => {
    expect(epoch).toBe(models.length + 1);
    models.push(model);
  };
  return { full: await clf.fit(X, y), models };
}

describe('SGDClassifier.onStepModel: the model after each epoch', () => {
  const cases: [string, Partial<SGDClassifierParams>, Int32Array][] = [
    ['multiclass, tolerance set (classes stop at different epochs)', { random_state: 0 }, Int32Array.from(fixture.y)],
    ['multiclass, averaged, tol=None', { random_state: 3, average: 100, tol: null, max_iter: 12 }, Int32Array.from(fixture.y)],
    ['binary', { random_state: 7 }, Int32Array.from(fixture.y_binary)],
  ];
  for (const [name, params, y] of cases) {
    it(`${name}: epoch k's model has the coefficients of a fit with max_iter = k`, async () => {
      const { full, models } = await epochModels(params, y);
      expect(models.length).toBe(full.nIter);
      for (const k of [1, 2, Math.ceil(models.length / 2), models.length]) {
        const capped = await new SGDClassifier({ ...params, max_iter: k }).fit(X, y);
        expect(Array.from(models[k - 1].coef!.data)).toEqual(Array.from(capped.coef!.data));
        expect(Array.from(models[k - 1].intercept!)).toEqual(Array.from(capped.intercept!));
        expect(models[k - 1].nIter).toBe(capped.nIter);
      }
      expect(Array.from(models[models.length - 1].coef!.data)).toEqual(Array.from(full.coef!.data));
    });
  }

  it('a hook that throws stops the fit', async () => {
    const clf = new SGDClassifier({ random_state: 0, tol: null, max_iter: 50 });
    let calls = 0;
    clf.onStepModel = async () => {
      if (++calls === 3) throw new Error('pruned');
    };
    await expect(clf.fit(X, Int32Array.from(fixture.y))).rejects.toThrow('pruned');
    expect(calls).toBe(3);
  });
});

describe('fitAndScore reports per step for the last step of a Pipeline', () => {
  const specFor = (final: object) => ({
    name: 'step-reports',
    dataset: { source: 'mnist' },
    estimator: { name: 'Pipeline', steps: [{ name: 'StandardScaler' }, final] },
    cv: { n_splits: 2, subset: 300 },
    refit: false,
  });

  it('StandardScaler + SGDClassifier: epoch k reports the test score of the pipeline fit with max_iter = k', async () => {
    const sgd = { name: 'SGDClassifier', params: { random_state: 42, max_iter: 6, tol: null } };
    const plan = planExperiment(checkSpec(specFor(sgd)));
    const dataset = await loadDataset(plan.dataset);
    const reports: [number, number, number][] = [];
    const r = await fitAndScore(plan, dataset, plan.tasks[1], { onReport: (cell, step, value) => reports.push([cell, step, value]) });
    expect(reports.map(([, step]) => step)).toEqual([1, 2, 3, 4, 5, 6]);
    const { train, test } = foldData(dataset, plan.cv!, plan.tasks[1].fold);
    for (const [cell, k, value] of reports) {
      expect(cell).toBe(plan.tasks[1].cells[0]);
      const capped = buildEstimator({ ...plan.estimator }, { sgdclassifier__max_iter: k });
      await capped.fit(train.X, train.y);
      expect(value).toBe(await score(SCORERS[plan.scoring], capped, test.X, test.y));
    }
    expect(r.cells[0].curve).toEqual(reports.map(([, step, value]) => [step, value]));
    expect(reports[reports.length - 1][2]).toBe(r.cells[0].test_score);
  });

  it('StandardScaler + RandomForestClassifier: one report per block of trees, the last the cell score', async () => {
    const forest = { name: 'RandomForestClassifier', params: { n_estimators: 20, random_state: 0 } };
    const plan = planExperiment(checkSpec(specFor(forest)));
    const reports: number[][] = [];
    const r = await fitAndScore(plan, await loadDataset(plan.dataset), plan.tasks[0], { onReport: (_c, step, value) => reports.push([step, value]) });
    expect(reports.map(([step]) => step)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(reports[reports.length - 1][1]).toBe(r.cells[0].test_score);
  });

  it('without onReport no hook is set: no curve, and the same score', async () => {
    const sgd = { name: 'SGDClassifier', params: { random_state: 42, max_iter: 6, tol: null } };
    const plan = planExperiment(checkSpec(specFor(sgd)));
    const dataset = await loadDataset(plan.dataset);
    const plain = await fitAndScore(plan, dataset, plan.tasks[0]);
    const reported = await fitAndScore(plan, dataset, plan.tasks[0], { onReport: () => {} });
    expect(plain.cells[0].curve).toBeUndefined();
    expect(reported.cells[0].curve).toHaveLength(6);
    expect(plain.cells[0].test_score).toBe(reported.cells[0].test_score);
  });
});
