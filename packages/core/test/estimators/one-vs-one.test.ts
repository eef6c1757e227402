import { afterAll, describe, expect, it } from 'vitest';
import { clone, type Params } from '../../src/estimators/base.js';
import { OneVsOneClassifier, type OneVsOneClassifierParams } from '../../src/estimators/one-vs-one.js';
import '../../src/estimators/builtins.js';
import { buildEstimator } from '../../src/estimators/registry.js';
import { SVC } from '../../src/estimators/svc.js';
import { releaseSessions } from '../../src/kernels/session.js';
import { describeConformance, matrixOf } from './conformance.js';
import { maxAbsDiff, mnistRows, rowsOf, svcFixture } from './svc-fixtures.js';

// Expected numbers come from fixtures/svc/mnist-wrappers.json, written by
// fixtures/make_svc_fixtures.py with scikit-learn 1.2.1.
afterAll(releaseSessions);

interface WrapperCase {
  n_estimators: number;
  predict: number[];
  decision: number[][] | number[];
  supports?: number[][];
  intercepts?: number[][];
}

const fx = svcFixture<{ train_rows: number[]; query_rows: number[]; cases: Record<string, WrapperCase> }>('mnist-wrappers.json');
const ovo = (estimator: Params) => new OneVsOneClassifier({ estimator } as unknown as OneVsOneClassifierParams);

async function expectCase(c: WrapperCase, model: OneVsOneClassifier, binary: boolean): Promise<void> {
  const train = await mnistRows(fx.train_rows);
  const Q = (await mnistRows(fx.query_rows)).X;
  await model.fit(train.X, binary ? Int32Array.from(train.y, (v) => (v === 5 ? 1 : 0)) : train.y);
  expect(model.estimators).toHaveLength(c.n_estimators);
  expect(Array.from(await model.predict(Q))).toEqual(c.predict);
  if (c.supports) expect(model.estimators.map((e) => Array.from((e as SVC).support))).toEqual(c.supports);
  if (c.intercepts) expect(maxAbsDiff(model.estimators.map((e) => Array.from((e as SVC).intercept)), c.intercepts)).toBeLessThanOrEqual(1e-12);
  const expected = Array.isArray(c.decision[0]) ? (c.decision as number[][]) : (c.decision as number[]).map((v) => [v]);
  expect(maxAbsDiff(rowsOf(await model.decisionFunction(Q)), expected)).toBeLessThanOrEqual(1e-9);
}

describe('OneVsOneClassifier matches scikit-learn 1.2.1 on MNIST rows', () => {
  it('ovo-svc: 45 pairwise SVCs (support indices within each pair), votes + confidences, predictions', async () => {
    await expectCase(fx.cases['ovo-svc'], ovo({ name: 'SVC', params: { random_state: 42 } }), false);
  });

  it('ovo-knn: confidences from predict_proba[:, 1]', async () => {
    await expectCase(fx.cases['ovo-knn'], ovo({ name: 'KNeighborsClassifier' }), false);
  });

  it('ovo-svc-binary-5: two classes give one estimator and one column', async () => {
    await expectCase(fx.cases['ovo-svc-binary-5'], ovo({ name: 'SVC' }), true);
  });
});

describe('OneVsOneClassifier', () => {
  it('is built from a spec with nested grid params and clones with them', () => {
    const model = buildEstimator({ name: 'OneVsOneClassifier', params: { estimator: { name: 'SVC' } } }, { estimator__gamma: 'auto' });
    expect(model.getParams()).toEqual({ estimator: { name: 'SVC', params: { gamma: 'auto' } } });
    expect(clone(model).getParams()).toEqual(model.getParams());
  });

  it('refuses a single class', async () => {
    await expect(ovo({ name: 'SVC' }).fit(matrixOf([[0], [1]]), Int32Array.from([3, 3]))).rejects.toThrow('only one class');
  });
});

describeConformance(
  'OneVsOneClassifier',
  (params) => new OneVsOneClassifier({ estimator: { name: 'SVC' }, ...params } as never),
  () => {
    const toy = svcFixture<{ X: number[][]; y: number[] }>('toy-svc.json');
    return { X: matrixOf(toy.X), y: Int32Array.from(toy.y) };
  },
  { paramChange: { estimator: { name: 'KNeighborsClassifier', params: { n_neighbors: 3 } } }, invalidParams: { estimator: 42 } },
);
