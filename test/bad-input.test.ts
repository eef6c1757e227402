import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { TestCluster } from './helpers/cluster.js';

// The cases of issue 13 ("bad input must never take the service down"), sent to the API as raw JSON.

// No workers: every case is refused at submission. close() deletes every key under the cluster's prefix.
const cluster = new TestCluster({ workers: 0 });
afterAll(() => cluster.close());

const base = { name: 'bad', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: 3, refit: false };
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** Posts `body` (a string, so that JSON too deep for JSON.stringify can be sent) and times the answer. */
async function post(body: string) {
  const start = performance.now();
  const res = await request(cluster.api.app).post('/api/experiments').set('content-type', 'application/json').send(body);
  return { status: res.status, body: res.body, ms: performance.now() - start };
}

/** `spec` as JSON with the string "DEEP" replaced by `levels` nested lists. */
function withDeepValue(spec: object, levels: number): string {
  return JSON.stringify(spec).replace('"DEEP"', `${'['.repeat(levels)}${']'.repeat(levels)}`);
}

describe('bad input never takes the API down (issue 13)', () => {
  it('answers a 10**9-cell param_grid with a fast 400 naming param_grid (it was a heap out-of-memory after 68 s)', async () => {
    // As reported: 1,000 x 1,000 x 1,000 values, two of the names unknown; a Pipeline, whose unknown names did not stop the cells being visited.
    const estimator = { name: 'Pipeline', steps: [{ name: 'StandardScaler' }, { name: 'KNeighborsClassifier' }] };
    const grid = { kneighborsclassifier__n_neighbors: range(1000, 1), a: range(1000), b: range(1000) };
    const res = await post(JSON.stringify({ ...base, estimator, param_grid: grid }));
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ path: 'param_grid', message: '1000000000 cells x 3 folds = 3000000000 fits, more than the limit of 20000' }]);
    expect(res.ms).toBeLessThan(2000);
  });

  it('answers a random search of 100,000 draws with a fast 400 naming search.n_iter (it took 5 s and named param_grid)', async () => {
    const spec = { ...base, search: { kind: 'random', n_iter: 100_000 }, param_distributions: { n_neighbors: { randint: [1, 100] } } };
    const res = await post(JSON.stringify(spec));
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ path: 'search.n_iter', message: 'n_iter 100000 x 3 folds = 300000 fits, more than the limit of 20000' }]);
    expect(res.ms).toBeLessThan(2000);
  });

  it('answers 100,000 nested lists as a parameter value with a 400 naming the field (it was a 500)', async () => {
    const inParams = await post(withDeepValue({ ...base, estimator: { name: 'KNeighborsClassifier', params: { weights: 'DEEP' } } }, 100_000));
    expect(inParams.status).toBe(400);
    expect(inParams.body.issues[0].path).toMatch(/^estimator\.params\.weights(\.0)+$/);
    const inGrid = await post(withDeepValue({ ...base, param_grid: { weights: ['DEEP'] } }, 100_000));
    expect(inGrid.status).toBe(400);
    expect(inGrid.body.issues[0].path).toMatch(/^param_grid\.weights(\.0)+$/);
  });

  it("refuses values over gridfold's limits with a 400, in estimator.params and in param_grid (n_estimators 1e9 was a 201)", async () => {
    const forest = (params: object, grid?: object) => JSON.stringify({ ...base, estimator: { name: 'RandomForestClassifier', params }, param_grid: grid });
    const message = "RandomForestClassifier: n_estimators must be an integer in [1, 10000] (gridfold's limit), got 1000000000";
    expect((await post(forest({ n_estimators: 1_000_000_000 }))).body.issues).toEqual([{ path: 'estimator.params.n_estimators', message }]);
    expect((await post(forest({}, { n_estimators: [100, 1_000_000_000] }))).body.issues).toEqual([{ path: 'param_grid.n_estimators', message }]);
    const mlp = await post(JSON.stringify({ ...base, estimator: { name: 'MLPClassifier', params: { max_iter: 10_000_000 } } }));
    expect(mlp.status).toBe(400);
    expect(mlp.body.issues[0].path).toBe('estimator.params.max_iter');
    const sgd = await post(JSON.stringify({ ...base, estimator: { name: 'SGDClassifier' }, param_grid: { max_iter: [1_000_000] } }));
    expect(sgd.body.issues[0].path).toBe('param_grid.max_iter');
    await request(cluster.api.app).get('/health').expect(200);
  });
});
