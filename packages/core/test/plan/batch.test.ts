import { describe, expect, it } from 'vitest';
import '../../src/estimators/builtins.js';
import { loadDataset } from '../../src/datasets/load.js';
import { fitAndScore } from '../../src/evaluate/fit-and-score.js';
import { checkSpec } from '../../src/plan/check-spec.js';
import { AUTO_BATCH_JOBS, cellGroups, planExperiment, type Task } from '../../src/plan/plan.js';

// Counts here are arithmetic on the grid: cells x folds single fits, cut into batches of
// `batch_size` consecutive cells of one fold.
const sweep = (cells: number, extra: object = {}) =>
  checkSpec({
    name: 'batch',
    dataset: { source: 'mnist' },
    estimator: { name: 'SGDClassifier', params: { random_state: 42, max_iter: 3, tol: null } },
    param_grid: { alpha: Array.from({ length: cells }, (_, i) => 1e-5 * (i + 1)) },
    cv: { n_splits: 3, subset: 300 },
    refit: false,
    ...extra,
  });

/** Every (cell, fold) once, as the unbatched plan has them. */
const fits = (tasks: Task[]) => tasks.flatMap((t) => t.cells.map((c) => `${t.fold}:${c}`)).sort();

describe('batch_size: single fits run several to a job', () => {
  it('"auto" leaves a sweep of up to 2,000 fits alone and cuts a larger one into at most 2,000 jobs', () => {
    expect(planExperiment(sweep(AUTO_BATCH_JOBS / 4)).tasks).toHaveLength(1500);
    const big = planExperiment(sweep(700));
    const one = planExperiment(sweep(700, { batch_size: 1 }));
    expect(one.tasks).toHaveLength(2100);
    expect(one.tasks.every((t) => !t.batch)).toBe(true);
    // 2,100 fits > 2,000: batches of ceil(2100 / 2000) = 2, 350 a fold.
    expect(big.batchSize).toBe(2);
    expect(big.tasks).toHaveLength(1050);
    expect(big.tasks.map((t) => t.index)).toEqual(big.tasks.map((_, i) => i));
    expect(big.tasks.every((t) => t.batch && t.cells.length === 2)).toBe(true);
    expect(big.tasks[350]).toEqual({ index: 350, fold: 1, cells: [0, 1], batch: true });
    expect(fits(big.tasks)).toEqual(fits(one.tasks));
  });

  it('a number batches that many fits of one fold; a fold is never mixed', () => {
    const plan = planExperiment(sweep(10, { batch_size: 4 }));
    expect(plan.tasks.map((t) => [t.fold, t.cells])).toEqual([0, 1, 2].flatMap((fold) => [[fold, [0, 1, 2, 3]], [fold, [4, 5, 6, 7]], [fold, [8, 9]]]));
  });

  it('never batches cells grouped to share a fit, a split by queries, a halving search or a study', () => {
    const knn = { name: 'knn', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, param_grid: { weights: ['uniform', 'distance'], n_neighbors: Array.from({ length: 1500 }, (_, i) => i + 1) }, cv: 3 };
    // 3,000 cells share neighbour searches: grouped, never batched. Alone, 9,000 fits go 5 to a job.
    const grouped = planExperiment(checkSpec({ ...knn, batch_size: 4 })).tasks;
    expect(grouped.length).toBeLessThan(9000);
    expect(grouped.every((t) => t.cells.length > 1 && !t.batch)).toBe(true);
    expect(planExperiment(checkSpec({ ...knn, group_cells: false })).tasks).toHaveLength(1800);
    expect(planExperiment(checkSpec({ ...knn, group_cells: false, split_queries: 2 })).tasks).toHaveLength(9000);
    expect(planExperiment(sweep(10, { batch_size: 4, search: { kind: 'halving' } })).tasks).toEqual([]);
  });

  it("cellGroups gives a batched plan's single fits, so a plan from stored groups batches the same", () => {
    const plan = planExperiment(sweep(10, { batch_size: 4 }));
    expect(cellGroups(plan)).toEqual(Array.from({ length: 10 }, (_, c) => [c]));
    expect(planExperiment(sweep(10, { batch_size: 4 }), { groups: cellGroups(plan) }).tasks).toEqual(plan.tasks);
  });

  it('a batch fits its cells one by one: the scores of the same fits run one to a task', async () => {
    // error_score "raise": a batch taken for a group that shares a fit would throw here.
    const batched = planExperiment(sweep(3, { batch_size: 3, error_score: 'raise' }));
    const single = planExperiment(sweep(3, { batch_size: 1, error_score: 'raise' }));
    const dataset = await loadDataset(batched.dataset);
    const progress: number[] = [];
    const r = await fitAndScore(batched, dataset, batched.tasks[1], { onProgress: (f) => progress.push(f) });
    expect(r.cells.map((c) => c.cell)).toEqual([0, 1, 2]);
    for (const cell of r.cells) {
      const alone = await fitAndScore(single, dataset, single.tasks.find((t) => t.fold === 1 && t.cells[0] === cell.cell)!);
      expect(cell.test_score).toBe(alone.cells[0].test_score);
    }
    expect(progress.at(-1)).toBe(1);
  });

  it('refuses a batch_size that is not "auto" or 1..1000, naming it', () => {
    expect(() => sweep(3, { batch_size: 0 })).toThrow('batch_size: 0 is not allowed: "auto", or a whole number of fits from 1 to 1000');
    expect(() => sweep(3, { batch_size: 'big' })).toThrow('batch_size: "big" is not allowed: "auto", or a whole number of fits from 1 to 1000');
    expect(() => sweep(3, { batch_size: 2.5 })).toThrow('batch_size: 2.5 is not allowed');
  });
});
