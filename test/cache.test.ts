import { RedisTaskCache } from '@gridfold/queue';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster, waitFor } from './helpers/cluster.js';
import { scoresOnly } from './helpers/compare.js';

const grid = {
  name: 'cache',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { weights: ['uniform', 'distance'], n_neighbors: [3, 4, 5, 6] },
  cv: { n_splits: 3, subset: 1500 },
  refit: { subset: 1500 },
};

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function run(c: TestCluster, spec: object) {
  const { body } = await request(c.api.app).post('/api/experiments').send(spec).expect(201);
  const view = await waitFor(async () => {
    const r = await request(c.api.app).get(`/api/experiments/${body.id}`);
    return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
  }, 120_000, 'the sweep to finish');
  expect(view.status, view.error).toBe('completed');
  return view.result;
}

const scores = (r: { cv_results: unknown }) => scoresOnly(r.cv_results);
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (values: Array<Uint8Array | null>) => values.map((v) => (v === null ? null : new TextDecoder().decode(v)));

describe('task cache', () => {
  it('re-runs a finished sweep from the cache, recomputes only new cells of a widened grid, and can be bypassed', async () => {
    cluster = new TestCluster({ workers: 1 });
    const first = await run(cluster, grid);
    expect(first.cache).toEqual({ cells_reused: 0, cells_total: 24, refit_reused: false });

    const again = await run(cluster, grid);
    expect(again.cache).toEqual({ cells_reused: 24, cells_total: 24, refit_reused: true });
    expect(scores(again)).toEqual(scores(first));
    expect(again.test).toEqual(first.test);
    // Timings are this run's: the reused refit took only its look-up (it used to report the first
    // run's refit time, which made cv_ms = total - refit negative).
    const t = again.timings;
    expect(t.cv_ms).toBeGreaterThanOrEqual(0);
    expect(t.test_ms).toBe(0);
    expect(t.cv_ms + t.refit_ms).toBeLessThanOrEqual(t.total_ms);

    // n_neighbors [3..6] -> [3..8]: 8 old cells x 3 folds reused, 4 new cells x 3 folds computed.
    const wide = await run(cluster, { ...grid, param_grid: { weights: ['uniform', 'distance'], n_neighbors: [3, 4, 5, 6, 7, 8] } });
    expect(wide.cache).toMatchObject({ cells_reused: 24, cells_total: 36 });
    expect((wide.cv_results.mean_test_score as number[]).slice(0, 8)).toEqual(first.cv_results.mean_test_score);

    const bypass = await run(cluster, { ...grid, cache: false });
    expect(bypass.cache).toEqual({ cells_reused: 0, cells_total: 24, refit_reused: false });
    expect(scores(bypass)).toEqual(scores(first));
  });

  it('keeps at most maxEntries results, evicting the least recently used', async () => {
    cluster = new TestCluster({ workers: 0 });
    const cache = new RedisTaskCache(cluster.redis, cluster.prefix, { maxEntries: 3 });
    await cache.setMany([['a', bytes('1')], ['b', bytes('2')], ['c', bytes('3')]]);
    await cache.getMany(['a']);
    await cache.setMany([['d', bytes('4')]]);
    expect(await cache.size()).toBe(3);
    expect(text(await cache.getMany(['a', 'b', 'c', 'd']))).toEqual(['1', null, '3', '4']);
  });
});
