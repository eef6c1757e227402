import { describe, expect, it } from 'vitest';
import '../../src/estimators/builtins.js';
import { buildEstimator } from '../../src/estimators/registry.js';
import { loadDataset } from '../../src/datasets/load.js';
import { checkSpec } from '../../src/plan/check-spec.js';
import { planExperiment } from '../../src/plan/plan.js';
import { fitAndScore } from '../../src/evaluate/fit-and-score.js';
import { foldData } from '../../src/splitters/fold-data.js';
import { SCORERS, score } from '../../src/metrics/scorers.js';

// Hand reasoning behind these expectations: the model an estimator shows after step k is the
// one a fit stopped at k returns (SGD: max_iter = k, checked bit for bit in sgd.test.ts), so
// the score reported for step k is that fit's score, exactly.

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
    const r = await fitAndScore(plan, dataset, plan.tasks[1], { onReport: (cell, step, value) => void reports.push([cell, step, value]) });
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
    const r = await fitAndScore(plan, await loadDataset(plan.dataset), plan.tasks[0], { onReport: (_c, step, value) => void reports.push([step, value]) });
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
