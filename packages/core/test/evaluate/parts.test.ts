import { describe, expect, it } from 'vitest';
import '../../src/estimators/builtins.js';
import { loadDataset } from '../../src/datasets/load.js';
import { fitAndScore } from '../../src/evaluate/fit-and-score.js';
import { decodePart, encodePart, fitAndScorePart, mergeParts, partRows, partsFor, splitsQueries } from '../../src/evaluate/parts.js';
import { planExperiment } from '../../src/plan/plan.js';
import { checkSpec } from '../../src/plan/check-spec.js';

// The reference is fitAndScore itself on the same task: merging the parts must give its
// TaskResult exactly (scores bit for bit, out-of-fold outputs equal), times aside. The data is
// the first 900 MNIST training rows (cv.subset), so each file stays a few seconds.

type Spec = Record<string, unknown>;

async function check(spec: Spec, count: number) {
  const plan = planExperiment(checkSpec({ name: 'parts', refit: false, ...spec }));
  const dataset = await loadDataset(plan.dataset);
  expect(splitsQueries(plan)).toBe(true);
  for (const task of plan.tasks) {
    const whole = await fitAndScore(plan, dataset, task);
    // Parts travel through Redis as encodePart bytes, which ioredis hands back as a Buffer that
    // may be a view at an odd offset into a shared pool: merge what decodes from such a view.
    const parts = [];
    for (let index = count - 1; index >= 0; index--) {
      const bytes = encodePart(await fitAndScorePart(plan, dataset, task, { index, count }));
      parts.push(decodePart(Buffer.concat([Buffer.alloc(3), Buffer.from(bytes)]).subarray(3)));
    }
    const merged = mergeParts(plan, dataset, task, parts);
    const strip = (r: typeof whole) => ({ ...r, ms: 0, cells: r.cells.map((c) => ({ ...c, fit_ms: 0, score_ms: 0 })) });
    expect(strip(merged)).toEqual(strip(whole));
    for (const [i, c] of merged.cells.entries()) expect(Object.is(c.test_score, whole.cells[i].test_score)).toBe(true);
  }
  return plan;
}

const mnist = (_subset: number, target?: unknown) => ({ source: 'mnist', ...(target !== undefined && { target }) });

describe('a task split by its queries (parts merged = fitAndScore)', () => {
  it('KNN single cell, accuracy, 3 parts', async () => {
    await check({ dataset: mnist(900), estimator: { name: 'KNeighborsClassifier', params: { n_neighbors: 3 } }, cv: { n_splits: 3, subset: 900 }, scoring: 'accuracy' }, 3);
  });

  it('KNN n_neighbors grid sharing one neighbour search (a group task), f1_macro, 2 parts', async () => {
    const plan = await check(
      { dataset: mnist(900), estimator: { name: 'KNeighborsClassifier' }, param_grid: { n_neighbors: [1, 3, 5], weights: ['uniform', 'distance'] }, cv: { n_splits: 3, subset: 900 }, scoring: 'f1_macro' },
      2,
    );
    expect(plan.tasks.some((t) => t.cells.length > 1)).toBe(true);
  });

  it('multilabel KNN (the seed spec\'s target) with out-of-fold predict and f1 metrics, 4 parts', async () => {
    const plan = await check(
      { dataset: mnist(900, { kind: 'multilabel', labels: ['large', 'odd'] }), estimator: { name: 'KNeighborsClassifier' }, cv: { n_splits: 3, subset: 900 }, scoring: 'f1_macro', oof: { methods: ['predict'], metrics: ['f1_macro', 'f1_weighted'] } },
      4,
    );
    expect(plan.oof).toBeTruthy();
  });

  it('binary KNN with out-of-fold predict_proba (the probabilities come from the slices too), 3 parts', async () => {
    await check({ dataset: mnist(900, { kind: 'binary', positive: 5 }), estimator: { name: 'KNeighborsClassifier' }, cv: { n_splits: 3, subset: 900 }, scoring: 'accuracy', oof: { methods: ['predict', 'predict_proba'] } }, 3);
  });
});

describe('partsFor / partRows', () => {
  it('splits when the tasks leave slots idle at the end, not when they are balanced', () => {
    // Makespans by hand: 3 tasks on 2 slots take 2 task-times whole, 1.5 in halves.
    expect(partsFor(3, 2)).toBe(2);
    expect(partsFor(3, 1)).toBe(1);
    expect(partsFor(10, 2)).toBe(1);
    expect(partsFor(1, 4)).toBe(4);
    expect(partsFor(5, 4)).toBe(4); // ceil(20/4)/4 = 1.25 vs 2
  });
  it('covers the rows once, contiguously', () => {
    const slices = [0, 1, 2].map((index) => partRows(10, { index, count: 3 }));
    expect(slices).toEqual([[0, 3], [3, 6], [6, 10]]);
  });
});
