import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadMnist } from '../../src/datasets/mnist.js';
import { InvalidParameterError, NotFittedError, clone } from '../../src/estimators/base.js';
import { KNeighborsClassifier, type KNeighborsClassifierParams } from '../../src/estimators/knn.js';
import { NeighborIndex } from '../../src/kernels/neighbors.js';
import { releaseSessions } from '../../src/kernels/session.js';
import { Matrix } from '../../src/matrix.js';
import { knnFixture, matrixOf, rowRange, withNoise, type FixtureNeighbours } from '../kernels/fixtures.js';
import { describeConformance } from './conformance.js';

// Every expected number below comes from fixtures/knn/*.json, written by
// fixtures/make_knn_fixtures.py with scikit-learn 1.2.1 (keys like `5-distance`).
afterAll(releaseSessions);

type Predictions = Record<string, unknown>;
const settings = (preds: Predictions) =>
  Object.keys(preds).map((key) => {
    const [k, weights] = key.split('-');
    return { key, params: { n_neighbors: Number(k), weights } as KNeighborsClassifierParams };
  });
const toArray = (y: Int32Array | Matrix) => (y instanceof Matrix ? Array.from({ length: y.rows }, (_, i) => Array.from(y.row(i))) : Array.from(y));
const matrixRows = (m: Matrix) => Array.from({ length: m.rows }, (_, i) => Array.from(m.row(i)));

/** mnist-multiclass.json's fixture with its training rows, their labels and its query rows. */
async function multiclassCase() {
  const fx = knnFixture<{ train_rows: number[]; query_rows: number[]; predictions: Predictions }>('mnist-multiclass.json');
  const { train } = await loadMnist();
  return { fx, X: rowRange(train.X, fx.train_rows), y: train.y.subarray(fx.train_rows[0], fx.train_rows[1]), Q: rowRange(train.X, fx.query_rows) };
}

describe('KNeighborsClassifier on MNIST matches scikit-learn 1.2.1', () => {
  it('predicts every (n_neighbors 3..6) x (uniform, distance): mnist-multiclass.json', async () => {
    const { fx, X, y, Q } = await multiclassCase();
    for (const { key, params } of settings(fx.predictions)) {
      const knn = await new KNeighborsClassifier(params).fit(X, y);
      expect(Array.from((await knn.predict(Q)) as Int32Array), key).toEqual(fx.predictions[key]);
    }
  });

  it('predictMany equals separate predictions and the fixture, from one search', async () => {
    const { fx, X, y, Q } = await multiclassCase();
    const all = settings(fx.predictions);
    const knn = await new KNeighborsClassifier().fit(X, y);
    const many = await knn.predictMany(Q, all.map((s) => s.params));
    for (const [i, { key, params }] of all.entries()) {
      expect(Array.from(many[i] as Int32Array), key).toEqual(fx.predictions[key]);
      const separate = await new KNeighborsClassifier(params).fit(X, y).then((e) => e.predict(Q));
      expect(many[i]).toEqual(separate);
    }
  });

  it('fitShared: every member of a group predicts the fixture, from one neighbour search per input', async () => {
    const { fx, X, y, Q } = await multiclassCase();
    const all = settings(fx.predictions);
    const group = all.map((s) => new KNeighborsClassifier(s.params));
    expect(new Set(group.map((e) => e.shareKey('predict')))).toEqual(new Set(['knn:{}']));
    expect(group[0].shareKey('decision_function')).toBeNull();
    const shared = await group[0].fitShared(group, X, y);
    const search = vi.spyOn(NeighborIndex.prototype, 'search');
    try {
      for (const [i, { key }] of all.entries()) {
        const member = await shared.fitCell(i);
        expect(member.getParams(), key).toEqual(group[i].getParams());
        expect(Array.from((await member.predict(Q)) as Int32Array), key).toEqual(fx.predictions[key]);
      }
      expect(search).toHaveBeenCalledTimes(1);
    } finally {
      search.mockRestore();
    }
  });

  it('gives the same probabilities and neighbours', async () => {
    const fx = knnFixture<{ train_rows: number[]; query_rows: number[]; proba: Record<string, number[][]>; neighbours: FixtureNeighbours }>('mnist-multiclass.json');
    const { train } = await loadMnist();
    const X = rowRange(train.X, fx.train_rows);
    const y = train.y.subarray(fx.train_rows[0], fx.train_rows[1]);
    const Q = rowRange(train.X, fx.query_rows);
    for (const { key, params } of settings(fx.proba)) {
      const knn = await new KNeighborsClassifier(params).fit(X, y);
      expect(matrixRows(await knn.predictProba(Q.head(fx.proba[key].length))), key).toEqual(fx.proba[key]);
    }
    const knn = await new KNeighborsClassifier().fit(X, y);
    const nb = await knn.kneighbors(Q.head(fx.neighbours.indices.length), fx.neighbours.k);
    expect(matrixRows(nb.indices)).toEqual(fx.neighbours.indices);
    expect(matrixRows(nb.distances)).toEqual(fx.neighbours.distances);
  });

  it('treats each target column as its own classification: mnist-multilabel.json', async () => {
    const fx = knnFixture<{ train_rows: number[]; query_rows: number[]; multilabel: Predictions; multilabel_proba: Record<string, number[][][]>; multioutput: Predictions }>('mnist-multilabel.json');
    const { train } = await loadMnist();
    const X = rowRange(train.X, fx.train_rows);
    const digits = train.y.subarray(fx.train_rows[0], fx.train_rows[1]);
    const Q = rowRange(train.X, fx.query_rows);
    const targets = {
      multilabel: new Matrix(Int32Array.from(Array.from(digits).flatMap((d) => [d >= 7 ? 1 : 0, d % 2])), digits.length, 2),
      multioutput: new Matrix(Int32Array.from(Array.from(digits).flatMap((d) => [(d % 3) * 3 - 1, d >= 5 ? 1 : 0])), digits.length, 2),
    };
    for (const kind of ['multilabel', 'multioutput'] as const) {
      const knn = await new KNeighborsClassifier().fit(X, targets[kind]);
      const all = settings(fx[kind]);
      const many = await knn.predictMany(Q, all.map((s) => s.params));
      all.forEach(({ key }, i) => expect(toArray(many[i] as Matrix), `${kind} ${key}`).toEqual(fx[kind][key]));
    }
    for (const { key, params } of settings(fx.multilabel_proba)) {
      const knn = await new KNeighborsClassifier(params).fit(X, targets.multilabel);
      const proba = await knn.predictProbaPerOutput(Q.head(fx.multilabel_proba[key][0].length));
      expect(proba.map(matrixRows), key).toEqual(fx.multilabel_proba[key]);
      await expect(knn.predictProba(Q)).rejects.toThrow('predictProba needs a single-output target; use predictProbaPerOutput');
    }
  });

  it('stays exact on pixels + noise up to 354: mnist-noisy.json', async () => {
    const fx = knnFixture<{ train_rows: number[]; query_rows: number[]; predictions: Predictions }>('mnist-noisy.json');
    const { train } = await loadMnist();
    const X = withNoise(rowRange(train.X, fx.train_rows));
    const y = train.y.subarray(fx.train_rows[0], fx.train_rows[1]);
    const Q = withNoise(rowRange(train.X, fx.query_rows));
    const knn = await new KNeighborsClassifier().fit(X, y);
    const all = settings(fx.predictions);
    const many = await knn.predictMany(Q, all.map((s) => s.params));
    all.forEach(({ key }, i) => expect(Array.from(many[i] as Int32Array), key).toEqual(fx.predictions[key]));
  });
});

describe('KNeighborsClassifier on synthetic data matches scikit-learn 1.2.1', () => {
  it('breaks vote ties (uniform and distance, zero distances) like scikit-learn: synthetic-ties.json', async () => {
    // Where equal distances straddle the k-th place scikit-learn's pick among them is an
    // artefact of its heap (see make_knn_fixtures.py); those queries are compared on
    // distances in the kernel tests and skipped here. The rest still hold many vote ties.
    const fx = knnFixture<{ X: number[][]; y: number[]; Q: number[][]; predictions: Predictions; proba: Record<string, number[][]>; neighbours: FixtureNeighbours }>('synthetic-ties.json');
    const knn = await new KNeighborsClassifier().fit(matrixOf(fx.X), Int32Array.from(fx.y));
    const Q = matrixOf(fx.Q);
    const determined = (k: number) => fx.neighbours.distances.map((d) => d[k - 1] < d[k]);
    const all = settings(fx.predictions);
    const many = await knn.predictMany(Q, all.map((s) => s.params));
    let compared = 0;
    all.forEach(({ key, params }, i) => {
      const keep = determined(params.n_neighbors);
      const got = Array.from(many[i] as Int32Array).filter((_, q) => keep[q]);
      compared += got.length;
      expect(got, key).toEqual((fx.predictions[key] as number[]).filter((_, q) => keep[q]));
    });
    expect(compared).toBeGreaterThan(500);
    for (const { key, params } of settings(fx.proba)) {
      const keep = determined(params.n_neighbors);
      const proba = matrixRows(await clone(knn, params).fit(matrixOf(fx.X), Int32Array.from(fx.y)).then((e) => e.predictProba(Q)));
      expect(proba.filter((_, q) => keep[q]), key).toEqual(fx.proba[key].filter((_, q) => keep[q]));
    }
  });

  it('finds the same neighbours and votes on real-valued data: synthetic-float.json', async () => {
    const fx = knnFixture<{ X: number[][]; y: number[]; Q: number[][]; predictions: Predictions }>('synthetic-float.json');
    const knn = await new KNeighborsClassifier().fit(matrixOf(fx.X), Int32Array.from(fx.y));
    const all = settings(fx.predictions);
    const many = await knn.predictMany(matrixOf(fx.Q), all.map((s) => s.params));
    all.forEach(({ key }, i) => expect(Array.from(many[i] as Int32Array), key).toEqual(fx.predictions[key]));
  });
});

// Hand-made data: six points on a line, two classes.
describeConformance(
  'KNeighborsClassifier',
  (p) => new KNeighborsClassifier(p as Partial<KNeighborsClassifierParams>),
  () => ({ X: new Matrix(Float64Array.of(0, 1, 2, 10, 11, 12), 6, 1), y: Int32Array.of(0, 0, 0, 1, 1, 1) }),
  { paramChange: { n_neighbors: 3, weights: 'distance' }, invalidParams: { n_neighbors: 0 } },
);

describe('KNeighborsClassifier contract and errors', () => {
  const X = new Matrix(Float64Array.of(0, 0, 1, 1, 2, 2), 3, 2);
  const y = Int32Array.of(0, 1, 1);

  it('validates parameters with scikit-learn-style messages', () => {
    expect(new KNeighborsClassifier().getParams()).toEqual({ n_neighbors: 5, weights: 'uniform' });
    expect(() => new KNeighborsClassifier({ n_neighbors: -3 })).toThrow('KNeighborsClassifier: n_neighbors must be an integer >= 1, got -3');
    expect(() => new KNeighborsClassifier({ n_neighbors: 2.5 })).toThrow(InvalidParameterError);
    expect(() => new KNeighborsClassifier({ weights: 'cosine' as 'uniform' })).toThrow('KNeighborsClassifier: weights must be one of "uniform", "distance", got "cosine"');
    expect(() => new KNeighborsClassifier({ p: 2 } as never)).toThrow('unknown parameter "p"');
  });

  it('throws NotFittedError before fit', async () => {
    const knn = new KNeighborsClassifier();
    expect(knn.fitted).toBe(false);
    await expect(knn.predict(X)).rejects.toThrow(NotFittedError);
    await expect(knn.predictProba(X)).rejects.toThrow(NotFittedError);
    await expect(knn.kneighbors(X)).rejects.toThrow(NotFittedError);
    await expect(knn.predictMany(X, [{}])).rejects.toThrow(NotFittedError);
  });

  it('rejects mismatched shapes and too many neighbours', async () => {
    await expect(new KNeighborsClassifier({ n_neighbors: 1 }).fit(X, Int32Array.of(0, 1))).rejects.toThrow('KNeighborsClassifier: X has 3 samples but y has 2');
    await expect(new KNeighborsClassifier().fit(X, y)).rejects.toThrow('KNeighborsClassifier: n_neighbors must be <= n_samples (3), got 5');
    const knn = await new KNeighborsClassifier({ n_neighbors: 2 }).fit(X, y);
    await expect(knn.predict(new Matrix(Float64Array.of(0, 0, 0), 1, 3))).rejects.toThrow('queries have 3 features, the training data has 2');
    await expect(knn.predictMany(X, [{ n_neighbors: 4 }])).rejects.toThrow('n_neighbors must be <= n_samples (3), got 4');
    await expect(knn.predictMany(X, [{ weights: 'bad' as 'uniform' }])).rejects.toThrow('weights must be one of');
  });

  it('fit returns this, and predictions come back as the original labels (hand-computed)', async () => {
    const knn = new KNeighborsClassifier({ n_neighbors: 1 });
    expect(await knn.fit(X, Int32Array.of(-7, 40, 40))).toBe(knn);
    expect(Array.from((await knn.predict(new Matrix(Float64Array.of(0.2, 0.1, 1.9, 2.2), 2, 2))) as Int32Array)).toEqual([-7, 40]);
    expect(knn.classes.map((c) => Array.from(c))).toEqual([[-7, 40]]);
  });
});
