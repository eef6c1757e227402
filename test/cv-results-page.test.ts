import { randomUUID } from 'node:crypto';
import { checkSpec, planExperiment } from '@gridfold/core';
import { createApp } from '@gridfold/api';
import { connectRedis, ExperimentStore, type CvResultsPage, type ExperimentDetail } from '@gridfold/queue';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_URL, waitFor } from './helpers/cluster.js';
import { deletePrefix } from './helpers/delete-prefix.js';
import { storeResults } from './helpers/store-results.js';

// A 3,000-cell x 2-fold sweep (6,000 tasks) whose task results are written through the store
// as workers write them (beginTask / endTask), without running any fit: what the API shows of a
// sweep too large to inline. Scores are chosen by hand: cell c scores (c mod 97) / 97 on fold 0
// and that + 0.002 on fold 1, so its mean is (c mod 97) / 97 + 0.001.

const prefix = `test-${randomUUID()}`;
const redis = connectRedis(REDIS_URL);
const gridfold = createApp({ redis, prefix, dashboardDir: null, logger: pino({ level: 'silent' }) });
const store = new ExperimentStore(redis, prefix);
afterAll(async () => {
  await gridfold.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const spec = checkSpec({
  name: 'huge-page',
  dataset: { source: 'mnist' },
  estimator: { name: 'SGDClassifier' },
  param_grid: { alpha: Array.from({ length: 30 }, (_, i) => (i + 1) * 1e-5), random_state: Array.from({ length: 100 }, (_, i) => i) },
  cv: { n_splits: 2 },
  refit: false,
  // One fit a task, so that tasks and (cell, fold) fits are the same count here.
  batch_size: 1,
});
const plan = planExperiment(spec);
const score = (cell: number, fold: number) => (cell % 97) / 97 + fold * 0.002;

const page = (id: string, query: string) => request(gridfold.app).get(`/api/experiments/${id}/cv_results${query}`);

describe('a sweep too large to inline: cv_results by pages (issue 16)', () => {
  const id = randomUUID();

  it('omits cv_results from GET /api/experiments/:id above 1,000 rows and says where the pages are', async () => {
    expect(plan.tasks).toHaveLength(6000);
    await store.create(id, spec);
    // Fold 0 of every cell, fold 1 of the first 1,000 cells: 4,000 tasks.
    await storeResults(store, id, plan.tasks.filter((t) => t.fold === 0 || t.cells.every((c) => c < 1000)), score);
    const { body } = (await request(gridfold.app).get(`/api/experiments/${id}`).expect(200)) as { body: ExperimentDetail };
    expect(body.status).toBe('running');
    expect(body.progress).toMatchObject({ done: 4000, total: 6000 });
    expect(body.cv_results).toBeNull();
    expect(body.cv_results_page).toEqual({ rows: 3000, inline_limit: 1000, href: `/api/experiments/${id}/cv_results` });
  });

  it('pages rows sorted server-side, with the hand-computed means and their tasks', async () => {
    const { body } = (await page(id, '?limit=5&sort=mean_test_score&order=desc').expect(200)) as { body: CvResultsPage };
    expect(body).toMatchObject({ rows: 3000, offset: 0, limit: 5, sort: 'mean_test_score', order: 'desc', tasks_done: 4000, tasks_total: 6000 });
    // The best complete cells are those below 1,000 with c mod 97 = 96: 96, 193, ..., 970 (mean 96/97 + 0.001), lowest index first.
    expect(body.index).toEqual([96, 193, 290, 387, 484]);
    for (const m of body.cv_results!.mean_test_score) expect(m).toBeCloseTo(96 / 97 + 0.001, 12);
    expect(body.cv_results!.rank_test_score).toEqual([1, 1, 1, 1, 1]);
    expect(body.cv_results!.params[0]).toEqual({ alpha: 1e-5, random_state: 96 });
    // Each row's two folds, each the task that fits it, with its BullMQ job.
    expect(body.tasks.map((t) => [t.fold, t.cells.includes(96)]).filter(([, has]) => has)).toEqual([[0, true], [1, true]]);
    expect(body.tasks[0].job_id).toContain(id);
  });

  it('puts rows without a mean (folds missing) last in either order, and pages by offset', async () => {
    const asc = (await page(id, '?offset=990&limit=20&sort=mean_test_score&order=asc').expect(200)).body as CvResultsPage;
    // 1,000 complete cells sort first (ascending means); from row 1,000 on, the incomplete ones (index order).
    expect(asc.cv_results!.mean_test_score.slice(0, 10).every((m) => m !== null)).toBe(true);
    expect(asc.cv_results!.mean_test_score.slice(10)).toEqual(Array(10).fill(null));
    expect(asc.index.slice(10)).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009]);
    const ranks = (await page(id, '?limit=1000&sort=rank_test_score').expect(200)).body as CvResultsPage;
    expect(ranks.cv_results!.rank_test_score.every((r, i, a) => i === 0 || a[i - 1] <= r)).toBe(true);
    const byParam = (await page(id, '?limit=3&sort=param_random_state&order=desc').expect(200)).body as CvResultsPage;
    expect(byParam.cv_results!.param_random_state).toEqual([99, 99, 99]);
  });

  it('shows tasks reported since the last read', async () => {
    await storeResults(store, id, plan.tasks.filter((t) => t.fold === 1 && t.cells.every((c) => c >= 1000 && c < 1100)), score);
    // The counts are exact at once; the rows are re-aggregated at most every 250 ms (longer
    // when the last aggregation was slow, as on a loaded machine): they show within seconds.
    const body = await waitFor(async () => {
      const b = (await page(id, '?offset=1095&limit=10&sort=mean_test_score&order=asc').expect(200)).body as CvResultsPage;
      expect(b.tasks_done).toBe(4100);
      return b.cv_results!.mean_test_score[0] !== null ? b : undefined;
    }, 10_000, 'the new tasks in the rows', 100);
    expect(body.cv_results!.mean_test_score.slice(0, 5).every((m) => m !== null)).toBe(true);
    expect(body.cv_results!.mean_test_score.slice(5)).toEqual(Array(5).fill(null));
  });

  it('refuses bad page parameters with a 400 naming each, and an unknown id with a 404', async () => {
    const bad = await page(id, '?offset=-1&limit=5000&order=up').expect(400);
    expect(bad.body.issues).toEqual([
      { path: 'query.offset', message: 'offset must be an integer from 0 to 9007199254740991, got "-1"' },
      { path: 'query.limit', message: 'limit must be an integer from 1 to 1000, got "5000"' },
      { path: 'query.order', message: 'order must be "asc" or "desc", got "up"' },
    ]);
    const sort = await page(id, '?sort=nope').expect(400);
    expect(sort.body.issues[0].path).toBe('query.sort');
    expect(sort.body.issues[0].message).toMatch(/^sort must be a column of this experiment's cv_results \(.*mean_test_score.*param_alpha.*\), got "nope"$/);
    await page(randomUUID(), '').expect(404);
  });
});
