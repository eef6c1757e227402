import { randomUUID } from 'node:crypto';
import { aggregateResults, checkSpec, planExperiment, type ExperimentSpec } from '@gridfold/core';
import { createApp } from '@gridfold/api';
import { heatmapGrid } from '@gridfold/dashboard/heatmap-grid';
import { connectRedis, ExperimentStore, type CvResults, type CvResultsPage, type ExperimentDetail, type HeatmapView } from '@gridfold/queue';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_URL, waitFor } from './helpers/cluster.js';
import { deletePrefix } from './helpers/delete-prefix.js';
import { storeResults } from './helpers/store-results.js';

// GET /api/experiments/:id/heatmap (issue 16) on sweeps whose task results are written through
// the store as workers write them (beginTask / endTask), no fit run. The small sweep's squares
// are computed by hand below, and checked equal to what the dashboard computes in the page from
// the inlined cv_results (charts/heatmap-grid.ts), which the API runs for a sweep too large to inline.

const prefix = `test-${randomUUID()}`;
const redis = connectRedis(REDIS_URL);
const gridfold = createApp({ redis, prefix, dashboardDir: null, logger: pino({ level: 'silent' }) });
const store = new ExperimentStore(redis, prefix);
afterAll(async () => {
  await gridfold.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const heatmap = (id: string, query = '') => request(gridfold.app).get(`/api/experiments/${id}/heatmap${query}`);

// 5 eta0 x 2 loss x 2 max_iter = 20 cells, 2 folds (never fitted: the names only need to be SGD's). ParameterGrid
// order (sorted keys, the last fastest): cell = 4 ie + 2 il + im, by the index of each value.
// Cell c scores k/20 on fold 0 and k/20 + 0.02 on fold 1, k = 7c mod 20, so its mean is k/20 + 0.01:
// k by cell 0..19 is 0 7 14 1 8 15 2 9 16 3 10 17 4 11 18 5 12 19 6 13; the best is cell 17 (k 19: eta0 5, hinge, max_iter 20).
const small = checkSpec({
  name: 'heatmap-small',
  dataset: { source: 'mnist' },
  estimator: { name: 'SGDClassifier' },
  param_grid: { eta0: [1, 2, 3, 4, 5], loss: ['hinge', 'log_loss'], max_iter: [10, 20] },
  cv: { n_splits: 2 },
  refit: false,
});
const smallScore = (cell: number, fold: number) => ((7 * cell) % 20) / 20 + fold * 0.02;

/** The squares as [x index, y index, mean] with the means rounded off float noise. */
const rounded = (v: HeatmapView) => v.heatmap!.cells.map(([i, j, s]) => [i, j, s === null ? null : Math.round(s * 100) / 100]);

describe('GET /api/experiments/:id/heatmap (issue 16)', () => {
  const id = randomUUID();
  const plan = planExperiment(small);

  it('holds the other parameters at the first cell\'s while no best is known, squares of cells without a mean empty', async () => {
    await store.create(id, small);
    // Fold 0 of every cell, fold 1 of cells 0-9: cells 10-19 have no mean yet.
    await storeResults(store, id, plan.tasks.filter((t) => t.fold === 0 || t.cells.every((c) => c < 10)), smallScore);
    const { body } = (await heatmap(id).expect(200)) as { body: HeatmapView };
    expect(body).toMatchObject({ status: 'running', rows: 20, tasks_done: 30, tasks_total: 40, tasks_aggregated: 30, best_index: null });
    // x and y default to the first two parameters that vary, as the page picks them.
    expect(body.heatmap).toMatchObject({ x: 'eta0', y: 'loss', axes: ['eta0', 'loss', 'max_iter'], xs: ['1', '2', '3', '4', '5'], ys: ['hinge', 'log_loss'], x_counts: [1, 1, 1, 1, 1], y_counts: [1, 1], best: null, anchor: 0 });
    // max_iter held at cell 0's 10: cells 0, 2, ..., 18; means (k/20 + 0.01) for cells 0 (k 0), 2 (14), 4 (8), 6 (2), 8 (16).
    expect(rounded(body)).toEqual([[0, 0, 0.01], [0, 1, 0.71], [1, 0, 0.41], [1, 1, 0.11], [2, 0, 0.81], [2, 1, null], [3, 0, null], [3, 1, null], [4, 0, null], [4, 1, null]]);
  });

  it('holds them at the best cell\'s once aggregated, and bins an axis of more values than `bins`', async () => {
    await storeResults(store, id, plan.tasks.filter((t) => t.fold === 1 && t.cells.some((c) => c >= 10)), smallScore);
    // Read at once, the API may still answer its last aggregate (it re-aggregates at most every 250 ms): then it says
    // so, and its squares are the 30 tasks' (cell 10's, at eta0 3 log_loss, still empty); read again, all 40 are in.
    const lagging = (await heatmap(id).expect(200)).body as HeatmapView;
    expect(lagging.tasks_done).toBe(40);
    const square = (v: HeatmapView) => v.heatmap!.cells.find(([i, j]) => i === 2 && j === 1)![2];
    if (lagging.tasks_aggregated === 30) expect(square(lagging)).toBeNull();
    else expect([lagging.tasks_aggregated, square(lagging)]).toEqual([40, expect.closeTo(0.51, 12)]);
    await waitFor(async () => (((await heatmap(id).expect(200)).body as HeatmapView).tasks_aggregated === 40 ? true : undefined), 10_000, 'the 40 tasks aggregated');
    // Cell 10 (k 10): 0.51.
    expect(square((await heatmap(id).expect(200)).body as HeatmapView)).toBeCloseTo(0.51, 12);
    const summary = aggregateResults(plan, await store.taskResults(id));
    expect(summary.best_index).toBe(17);
    expect(summary.cv_results.params[17]).toEqual({ eta0: 5, loss: 'hinge', max_iter: 20 });
    await store.saveSummary(id, 0, summary, {});

    const ab = (await heatmap(id, '?x=eta0&y=loss').expect(200)).body as HeatmapView;
    expect(ab).toMatchObject({ best_index: 17, tasks_done: 40 });
    expect(ab.heatmap).toMatchObject({ anchor: 17, best: [4, 0] });
    // max_iter held at the best cell's 20: cells 1, 3, ..., 19, k 7 1 15 9 3 17 11 5 19 13.
    expect(rounded(ab)).toEqual([[0, 0, 0.36], [0, 1, 0.06], [1, 0, 0.76], [1, 1, 0.46], [2, 0, 0.16], [2, 1, 0.86], [3, 0, 0.56], [3, 1, 0.26], [4, 0, 0.96], [4, 1, 0.66]]);

    // eta0's 5 values in 2 bins of equal count (±1, by rank): 1-3 and 4-5; a bin shows its best mean.
    const binned = (await heatmap(id, '?x=eta0&y=loss&bins=2').expect(200)).body as HeatmapView;
    expect(binned.heatmap).toMatchObject({ xs: ['1–3', '4–5'], x_counts: [3, 2], ys: ['hinge', 'log_loss'], best: [1, 0] });
    // Bin 1-3 at hinge: cells 1, 5, 9 (0.36, 0.76, 0.16); at log_loss: 3, 7, 11 (0.06, 0.46, 0.86); 4-5 at hinge: 13, 17 (0.56, 0.96); at log_loss: 15, 19 (0.26, 0.66).
    expect(rounded(binned)).toEqual([[0, 0, 0.76], [0, 1, 0.86], [1, 0, 0.96], [1, 1, 0.66]]);

    // Across max_iter and down eta0, loss held at the best cell's hinge: cells 4 ie + im.
    const ca = (await heatmap(id, '?x=max_iter&y=eta0').expect(200)).body as HeatmapView;
    expect(ca.heatmap).toMatchObject({ xs: ['10', '20'], ys: ['1', '2', '3', '4', '5'], best: [1, 4] });
    expect(rounded(ca)).toEqual([[0, 0, 0.01], [1, 0, 0.36], [0, 1, 0.41], [1, 1, 0.76], [0, 2, 0.81], [1, 2, 0.16], [0, 3, 0.21], [1, 3, 0.56], [0, 4, 0.61], [1, 4, 0.96]]);
  });

  it('answers exactly what the page computes from the inlined cv_results', async () => {
    const detail = (await request(gridfold.app).get(`/api/experiments/${id}`).expect(200)).body as ExperimentDetail;
    expect(detail.cv_results).not.toBeNull();
    for (const [x, y, bins] of [['eta0', 'loss', 16], ['max_iter', 'eta0', 16], ['loss', 'max_iter', 16], ['eta0', 'max_iter', 2], ['eta0', 'eta0', 3]] as const) {
      const server = (await heatmap(id, `?x=${x}&y=${y}&bins=${bins}`).expect(200)).body as HeatmapView;
      expect(server.heatmap, `${x} x ${y}, ${bins} bins`).toEqual(heatmapGrid(detail.cv_results!, x, y, 17, bins));
    }
  });

  it('refuses a bad query with a 400 naming the parameter and what is allowed, an unknown experiment with a 404', async () => {
    const bad = async (query: string, path: string, message: string) => {
      const { body } = await heatmap(id, query).expect(400);
      expect(body.issues).toEqual([{ path, message }]);
      expect(body.error).toBe(`invalid heatmap: ${message}`);
    };
    await bad('?x=alpha', 'query.x', 'x must be one of the parameters that vary over this grid (eta0, loss, max_iter), got "alpha"');
    await bad('?x=eta0&y=param_loss', 'query.y', 'y must be one of the parameters that vary over this grid (eta0, loss, max_iter), got "param_loss"');
    await bad('?x=eta0&x=loss', 'query.x', 'x must be one parameter name, got ["eta0","loss"]');
    await bad('?bins=0', 'query.bins', 'bins must be an integer from 1 to 64, got "0"');
    await bad('?bins=65', 'query.bins', 'bins must be an integer from 1 to 64, got "65"');
    await bad('?bins=2.5', 'query.bins', 'bins must be an integer from 1 to 64, got "2.5"');
    const both = await heatmap(id, '?x=d&y=e').expect(400);
    expect(both.body.issues.map((i: { path: string }) => i.path)).toEqual(['query.x', 'query.y']);
    await heatmap(randomUUID()).expect(404);
  });

  it('has no squares before any task reported, and none when fewer than two parameters vary', async () => {
    const fresh = randomUUID();
    await store.create(fresh, small);
    expect(((await heatmap(fresh).expect(200)).body as HeatmapView)).toMatchObject({ rows: 0, tasks_done: 0, heatmap: null });
    const line = randomUUID();
    const one = checkSpec({ ...(small as ExperimentSpec), param_grid: { eta0: [1, 2, 3] } });
    await store.create(line, one);
    await storeResults(store, line, planExperiment(one).tasks, smallScore);
    expect(((await heatmap(line).expect(200)).body as HeatmapView)).toMatchObject({ rows: 3, heatmap: null });
    // The one that varies is still a valid axis (the other is missing: no squares), another name is not.
    expect(((await heatmap(line, '?x=eta0').expect(200)).body as HeatmapView).heatmap).toBeNull();
    const { body } = await heatmap(line, '?y=loss').expect(400);
    expect(body.issues[0].message).toBe('y must be one of the parameters that vary over this grid (eta0), got "loss"');
    const flat = randomUUID();
    const none = checkSpec({ ...(small as ExperimentSpec), param_grid: { eta0: [1] } });
    await store.create(flat, none);
    await storeResults(store, flat, planExperiment(none).tasks, smallScore);
    const refused = await heatmap(flat, '?x=eta0').expect(400);
    expect(refused.body.issues[0].message).toBe('x must be a parameter that varies over the grid, and none does here, got "eta0"');
  });

  it('refuses a study, whose trials are not grid cells', async () => {
    const study = randomUUID();
    await store.create(study, checkSpec({ name: 'heatmap-study', dataset: { source: 'mnist' }, estimator: { name: 'SGDClassifier' }, search: { kind: 'tpe', n_trials: 4 }, param_space: { alpha: { float: [1e-5, 1e-2], log: true } }, cv: { n_splits: 2 }, refit: false }));
    const { body } = await heatmap(study).expect(400);
    expect(body.error).toContain('a study (search.kind "tpe") has no grid heatmap');
  });

  it('needs the same token as the other reads', async () => {
    const guarded = createApp({ redis, prefix, token: 's3cret', dashboardDir: null, logger: pino({ level: 'silent' }) });
    try {
      const denied = await request(guarded.app).get(`/api/experiments/${id}/heatmap`).expect(401);
      expect(denied.body.error).toContain('missing or wrong token');
      const ok = await request(guarded.app).get(`/api/experiments/${id}/heatmap`).set('authorization', 'Bearer s3cret').expect(200);
      expect(ok.body.heatmap.anchor).toBe(17);
    } finally {
      await guarded.close();
    }
  });
});

describe('the heatmap of a sweep too large to inline (issue 16)', () => {
  // 110 alphas x 12 random states = 1,320 cells x 2 folds. Cell c = 12 ia + ir scores (c mod 97) / 97 on both folds.
  const huge = checkSpec({
    name: 'heatmap-huge',
    dataset: { source: 'mnist' },
    estimator: { name: 'SGDClassifier' },
    param_grid: { alpha: Array.from({ length: 110 }, (_, i) => (i + 1) * 1e-5), random_state: Array.from({ length: 12 }, (_, i) => i) },
    cv: { n_splits: 2 },
    refit: false,
  });
  const id = randomUUID();

  it('is at most 16 x 16 squares, each the best mean of its bin, and equals the page\'s computation over every row', async () => {
    await store.create(id, huge);
    await storeResults(store, id, planExperiment(huge).tasks, (cell) => (cell % 97) / 97);
    const detail = (await request(gridfold.app).get(`/api/experiments/${id}`).expect(200)).body as ExperimentDetail;
    expect(detail.cv_results).toBeNull();
    expect(detail.cv_results_page?.rows).toBe(1320);
    const { body } = (await heatmap(id).expect(200)) as { body: HeatmapView };
    const grid = body.heatmap!;
    expect([grid.x, grid.y]).toEqual(['alpha', 'random_state']);
    // 110 alphas in 16 bins by rank (value r in bin floor(16 r / 110)): 6 or 7 each; the 12 random states unbinned.
    expect(grid.x_counts).toEqual(Array.from({ length: 16 }, (_, b) => Array.from({ length: 110 }, (_, r) => Math.floor((16 * r) / 110)).filter((k) => k === b).length));
    expect(grid.x_counts.reduce((a, b) => a + b)).toBe(110);
    // A bin's label is its first and last value as cv_results prints them (7 * 1e-5 is 0.00007000000000000001 in binary floating point).
    expect(grid.xs[0]).toBe(`${JSON.stringify(1e-5)}–${JSON.stringify(7 * 1e-5)}`);
    expect(grid.ys).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    expect(grid.cells).toHaveLength(16 * 12);
    // Bin 0 (alphas 1-7) at random state 5: cells 12 ia + 5, ia 0..6 = 5, 17, ..., 77, none past 96: the best is 77/97.
    expect(grid.cells.find(([i, j]) => i === 0 && j === 5)![2]).toBeCloseTo(77 / 97, 12);
    // Every row, read by pages in cell order (alpha ascending, ties by cell), gives the page's own computation the same squares.
    const read = (offset: number) => request(gridfold.app).get(`/api/experiments/${id}/cv_results?offset=${offset}&limit=1000&sort=param_alpha`).expect(200);
    const [first, rest] = [(await read(0)).body as CvResultsPage, (await read(1000)).body as CvResultsPage];
    expect([...first.index, ...rest.index]).toEqual(Array.from({ length: 1320 }, (_, c) => c));
    const cv: CvResults = first.cv_results!;
    for (const k of Object.keys(cv) as Array<keyof CvResults>) (cv[k] as unknown[]).push(...(rest.cv_results![k] as unknown[]));
    expect(grid).toEqual(heatmapGrid(cv, 'alpha', 'random_state', null));
  });
});
