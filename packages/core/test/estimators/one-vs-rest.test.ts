import { afterAll, describe, expect, it } from 'vitest';
import { clone, InvalidParameterError, ParameterLimitError, type Params } from '../../src/estimators/base.js';
import { KNeighborsClassifier } from '../../src/estimators/knn.js';
import { ConstantPredictor } from '../../src/estimators/nested-estimator.js';
import { OneVsRestClassifier, type OneVsRestClassifierParams } from '../../src/estimators/one-vs-rest.js';
import '../../src/estimators/builtins.js';
import { buildEstimator } from '../../src/estimators/registry.js';
import { SVC } from '../../src/estimators/svc.js';
import { releaseSessions } from '../../src/kernels/session.js';
import { Matrix } from '../../src/matrix.js';
import { describeConformance, matrixOf } from './conformance.js';
import { maxAbsDiff, mnistRows, rowsOf, svcFixture } from './svc-fixtures.js';

// Expected numbers come from fixtures/svc/mnist-wrappers.json, written by
// fixtures/make_svc_fixtures.py with scikit-learn 1.2.1, except the seed test (seed
// notebook 003, cells [48]-[50]) and the multilabel case, which is checked against its
// definition (each column is its own binary problem).
afterAll(releaseSessions);

interface WrapperCase {
  n_estimators: number;
  predict: number[];
  decision: number[][] | number[] | null;
  supports?: number[][];
  intercepts?: number[][];
  predict_proba?: number[][];
}
interface WrapperFixture {
  train_rows: number[];
  query_rows: number[];
  cases: Record<string, WrapperCase>;
}

const fx = svcFixture<WrapperFixture>('mnist-wrappers.json');
const ovr = (estimator: Params) => new OneVsRestClassifier({ estimator } as unknown as OneVsRestClassifierParams);

async function expectCase(c: WrapperCase, model: OneVsRestClassifier, binary: boolean): Promise<void> {
  const train = await mnistRows(fx.train_rows);
  const Q = (await mnistRows(fx.query_rows)).X;
  await model.fit(train.X, binary ? Int32Array.from(train.y, (v) => (v === 5 ? 1 : 0)) : train.y);
  expect(model.estimators).toHaveLength(c.n_estimators);
  expect(Array.from((await model.predict(Q)) as Int32Array)).toEqual(c.predict);
  if (c.supports) expect(model.estimators.map((e) => Array.from((e as SVC).support))).toEqual(c.supports);
  if (c.intercepts) expect(maxAbsDiff(model.estimators.map((e) => Array.from((e as SVC).intercept)), c.intercepts)).toBeLessThanOrEqual(1e-12);
  if (c.decision) {
    const expected = Array.isArray(c.decision[0]) ? (c.decision as number[][]) : (c.decision as number[]).map((v) => [v]);
    expect(maxAbsDiff(rowsOf(await model.decisionFunction(Q)), expected)).toBeLessThanOrEqual(1e-9);
  } else {
    await expect(model.decisionFunction(Q)).rejects.toThrow('has no decisionFunction');
  }
  if (c.predict_proba) expect(maxAbsDiff(rowsOf(await model.predictProba(Q)), c.predict_proba)).toBeLessThanOrEqual(1e-12);
}

describe('OneVsRestClassifier matches scikit-learn 1.2.1 on MNIST rows', () => {
  it('ovr-svc: 10 SVCs, their support vectors, decision_function and predictions', async () => {
    await expectCase(fx.cases['ovr-svc'], ovr({ name: 'SVC', params: { random_state: 42 } }), false);
  });

  it('ovr-knn: falls back to predict_proba[:, 1] without a decision function', async () => {
    await expectCase(fx.cases['ovr-knn'], ovr({ name: 'KNeighborsClassifier' }), false);
  });

  it('ovr-svc-binary-5: two classes need one estimator', async () => {
    await expectCase(fx.cases['ovr-svc-binary-5'], ovr({ name: 'SVC' }), true);
  });
});

describe('OneVsRestClassifier', () => {
  it('is built from a spec with nested grid params and clones with them', () => {
    const model = buildEstimator({ name: 'OneVsRestClassifier', params: { estimator: { name: 'SVC', params: { random_state: 42 } } } }, { estimator__C: 10 });
    expect(model.getParams()).toEqual({ estimator: { name: 'SVC', params: { random_state: 42, C: 10 } } });
    expect(clone(model).getParams()).toEqual(model.getParams());
    model.setParams({ estimator__kernel: 'linear' } as never);
    expect(model.getParams()).toEqual({ estimator: { name: 'SVC', params: { random_state: 42, C: 10, kernel: 'linear' } } });
  });

  it('rejects a bad nested value, naming it', () => {
    expect(() => buildEstimator({ name: 'OneVsRestClassifier', params: { estimator: { name: 'SVC' } } }, { estimator__C: -1 })).toThrow(
      'OneVsRestClassifier: estimator: SVC: C must be a number > 0, got -1',
    );
    expect(() => ovr({ name: 'NoSuchClassifier' })).toThrow(InvalidParameterError);
  });

  it('keeps a nested value over a limit a limit error (the spec is refused, not the cell)', () => {
    expect(() => buildEstimator({ name: 'OneVsRestClassifier', params: { estimator: { name: 'SGDClassifier' } } }, { estimator__max_iter: 1e9 })).toThrow(ParameterLimitError);
  });

  it('fits one problem per column of an indicator matrix, each as its own binary estimator', async () => {
    const train = await mnistRows([0, 300]);
    const Q = (await mnistRows([1000, 1100])).X;
    const labels = Array.from(train.y).flatMap((d) => [d >= 7 ? 1 : 0, d % 2]);
    const model = await ovr({ name: 'KNeighborsClassifier' }).fit(train.X, new Matrix(Int32Array.from(labels), 300, 2));
    const pred = (await model.predict(Q)) as Matrix;
    for (const c of [0, 1]) {
      const column = Int32Array.from({ length: 300 }, (_, r) => labels[r * 2 + c]);
      const alone = await new KNeighborsClassifier().fit(train.X, column).then((k) => k.predict(Q));
      expect(Array.from({ length: Q.rows }, (_, r) => pred.get(r, c))).toEqual(Array.from(alone as Int32Array));
    }
  });

  it('stands a constant in for a column with a single value, as scikit-learn', async () => {
    const X = matrixOf([[0], [1], [2], [3]]);
    const model = await ovr({ name: 'SVC' }).fit(X, new Matrix(Int32Array.from([1, 0, 1, 1, 1, 0, 1, 1]), 4, 2));
    expect(model.estimators[0]).toBeInstanceOf(ConstantPredictor);
    expect(rowsOf(await model.decisionFunction(X)).map((r) => r[0])).toEqual([1, 1, 1, 1]);
  });

  it('reproduces seed notebook 003 cells [48]-[50]: 10 estimators, image 0 is a 5', async () => {
    const { X, y } = await mnistRows([0, 2000]);
    const model = await ovr({ name: 'SVC', params: { random_state: 42 } }).fit(X, y);
    expect(model.estimators).toHaveLength(10);
    expect(Array.from((await model.predict(X.head(1))) as Int32Array)).toEqual([5]);
  });
});

describeConformance(
  'OneVsRestClassifier',
  (params) => new OneVsRestClassifier({ estimator: { name: 'SVC' }, ...params } as never),
  () => {
    const toy = svcFixture<{ X: number[][]; y: number[] }>('toy-svc.json');
    return { X: matrixOf(toy.X), y: Int32Array.from(toy.y) };
  },
  { paramChange: { estimator: { name: 'SVC', params: { C: 2 } } }, invalidParams: { estimator: 'SVC' } },
);
