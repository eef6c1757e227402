import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/datasets/mnist.js';
import { InvalidParameterError, ParameterLimitError } from '../../src/estimators/base.js';
import { RandomForestClassifier, type RandomForestClassifierParams } from '../../src/estimators/random-forest.js';
import { binData } from '../../src/estimators/tree/binned-data.js';
import { buildForest, idleTreeWorkers, sumTreeProba } from '../../src/estimators/tree/tree-pool.js';
import { Matrix } from '../../src/matrix.js';
import { describeConformance, matrixOf } from './conformance.js';

// Expected numbers come from fixtures/forest/*.json, written by
// fixtures/make_forest_fixtures.py with scikit-learn 1.2.1, or are hand-computed below.
// Our trees grow from scikit-learn's own seeds, so fixture probabilities must match exactly.

interface FixtureCase {
  params: Partial<RandomForestClassifierParams>;
  proba: number[][];
  predict: number[];
  node_counts: number[];
}

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../../../fixtures/forest/${name}`, import.meta.url), 'utf8')) as T;
const rowsOf = (m: Matrix) => Array.from({ length: m.rows }, (_, i) => Array.from(m.row(i)));
const range = (X: Matrix<Uint8Array>, [a, b]: number[]) => X.take(Array.from({ length: b - a }, (_, i) => a + i));

async function expectCase(name: string, c: FixtureCase, X: Matrix, y: Int32Array, Q: Matrix): Promise<void> {
  const forest = await new RandomForestClassifier(c.params).fit(X, y);
  expect(forest.trees!.map((t) => t.nodeCount), name).toEqual(c.node_counts);
  expect(rowsOf(await forest.predictProba(Q)), name).toEqual(c.proba);
  expect(Array.from(await forest.predict(Q)), name).toEqual(c.predict);
}

describe('RandomForestClassifier, hand-computed', () => {
  it('splits separable data at the midpoint between the classes', async () => {
    const X = matrixOf([[1], [2], [3], [4]]);
    const forest = await new RandomForestClassifier({ n_estimators: 1, bootstrap: false }).fit(X, Int32Array.of(0, 0, 1, 1));
    const tree = forest.trees![0];
    expect(tree.nodeCount).toBe(3);
    expect([tree.feature[0], tree.threshold[0]]).toEqual([0, 2.5]);
    expect(rowsOf(await forest.predictProba(matrixOf([[2.5], [2.6]])))).toEqual([[1, 0], [0, 1]]);
  });

  it('keeps the first of two equally good splits (gini 0.25 at 2.5 and at 4.5)', async () => {
    // y = 0 0 1 0 1 1 on x = 1..6. Weighted child gini: 1.5 -> 0.4, 2.5 -> 4/6 * 0.375 = 0.25,
    // 3.5 -> 0.444, 4.5 -> 0.25, 5.5 -> 0.4. scikit-learn keeps the first best: 2.5.
    const X = matrixOf([[1], [2], [3], [4], [5], [6]]);
    const forest = await new RandomForestClassifier({ n_estimators: 1, bootstrap: false, max_depth: 1 }).fit(X, Int32Array.of(0, 0, 1, 0, 1, 1));
    expect(forest.trees![0].threshold[0]).toBe(2.5);
    expect(rowsOf(await forest.predictProba(matrixOf([[2], [4]])))).toEqual([[1, 0], [0.25, 0.75]]);
    expect(Array.from(await forest.predict(matrixOf([[2], [4]])))).toEqual([0, 1]);
  });

  it('predicts the first class on a probability tie, keeping label values', async () => {
    const X = matrixOf([[0], [0]]);
    const forest = await new RandomForestClassifier({ n_estimators: 3, random_state: 0, bootstrap: false }).fit(X, Int32Array.of(7, 3));
    expect(Array.from(forest.classes!)).toEqual([3, 7]);
    expect(rowsOf(await forest.predictProba(matrixOf([[0]])))).toEqual([[0.5, 0.5]]);
    expect(Array.from(await forest.predict(matrixOf([[0]])))).toEqual([3]);
  });
});

describe('RandomForestClassifier matches scikit-learn 1.2.1 exactly', () => {
  it('on MNIST rows 0..999 (uint8 codes): fixtures/forest/mnist.json', async () => {
    const fx = fixture<{ train_rows: number[]; query_rows: number[]; cases: Record<string, FixtureCase> }>('mnist.json');
    const { train } = await loadMnist();
    const X = range(train.X, fx.train_rows);
    const Q = range(train.X, fx.query_rows);
    const y = train.y.slice(fx.train_rows[0], fx.train_rows[1]);
    const y5 = Int32Array.from(y, (v) => Number(v === 5));
    for (const [name, c] of Object.entries(fx.cases)) await expectCase(name, c, X, name.startsWith('5-detector') ? y5 : y, Q);
  });

  it('on float features, ranked, with values closer than 1e-7 merged: fixtures/forest/synthetic.json', async () => {
    const fx = fixture<{ X: number[][]; y: number[]; Q: number[][]; cases: Record<string, FixtureCase> }>('synthetic.json');
    const X = matrixOf(fx.X);
    expect(binData(X, false).nearTies).toBe(true);
    for (const [name, c] of Object.entries(fx.cases)) await expectCase(name, c, X, Int32Array.from(fx.y), matrixOf(fx.Q));
  });

  it('grows the default forest (100 trees, 2,000 images) tree for tree and scores it the same: fixtures/forest/mnist-accuracy.json', async () => {
    const fx = fixture<{ train_rows: number[]; test_rows: number[]; params: Partial<RandomForestClassifierParams>; accuracy: number; node_counts: number[]; predict: number[] }>(
      'mnist-accuracy.json',
    );
    const { train } = await loadMnist();
    const forest = await new RandomForestClassifier(fx.params).fit(range(train.X, fx.train_rows), train.y.slice(...fx.train_rows));
    const Q = range(train.X, fx.test_rows);
    expect(forest.trees!.map((t) => t.nodeCount)).toEqual(fx.node_counts);
    expect(Array.from(await forest.predict(Q))).toEqual(fx.predict);
    expect(await forest.score(Q, train.y.slice(...fx.test_rows))).toBe(fx.accuracy);
  });
});

describe('RandomForestClassifier threads and inputs', () => {
  it('grows the same trees on worker threads as inline', async () => {
    const { train } = await loadMnist();
    const X = train.X.head(500);
    const data = binData(X, true);
    const y = new Int32Array(new SharedArrayBuffer(4 * 500));
    y.set(train.y.subarray(0, 500));
    const options = { nClasses: 10, maxFeatures: 28, minSamplesLeaf: 1, minSamplesSplit: 2, maxDepth: null, bootstrap: true };
    const seeds = [11, 22, 33, 44];
    expect(await buildForest({ data, y, options, seeds }, 2)).toEqual(await buildForest({ data, y, options, seeds }, 1));
  });

  it('sums the same probabilities on worker threads as inline, row blocks in any order', async () => {
    const { train } = await loadMnist();
    const forest = await new RandomForestClassifier({ n_estimators: 8, random_state: 5 }).fit(train.X.head(500), train.y.slice(0, 500));
    const Q = range(train.X, [500, 1500]);
    const inline = await sumTreeProba(forest.trees!, Q.data, Q.rows, Q.cols, 10, 1);
    expect(await sumTreeProba(forest.trees!, Q.data, Q.rows, Q.cols, 10, 2)).toEqual(inline);
    expect(await sumTreeProba(forest.trees!, Q.toFloat64().data, Q.rows, Q.cols, 10, 3)).toEqual(inline);
    // Every tree contributes a row's fractions once: each row sums to the number of trees.
    expect(Math.abs(inline[0] + inline.subarray(1, 10).reduce((a, b) => a + b, 0) - 8)).toBeLessThan(1e-12);
  });

  it('keeps tree workers between forests and drops one that dies while idle', async () => {
    const { train } = await loadMnist();
    const data = binData(train.X.head(300), true);
    const y = new Int32Array(new SharedArrayBuffer(4 * 300));
    y.set(train.y.subarray(0, 300));
    const options = { nClasses: 10, maxFeatures: 28, minSamplesLeaf: 1, minSamplesSplit: 2, maxDepth: null, bootstrap: true };
    const first = await buildForest({ data, y, options, seeds: [1, 2, 3] }, 2);
    const idle = idleTreeWorkers();
    expect(idle.length).toBeGreaterThanOrEqual(2);
    await idle[0].terminate();
    await new Promise((r) => setImmediate(r));
    expect(idleTreeWorkers()).not.toContain(idle[0]);
    // Without the drop, this forest would wait forever on the dead worker.
    expect(await buildForest({ data, y, options, seeds: [1, 2, 3] }, 2)).toEqual(first);
  }, 20_000);

  it('gives the same forest for uint8 pixels and their float64 copy', async () => {
    const { train } = await loadMnist();
    const X = train.X.head(300);
    const y = train.y.slice(0, 300);
    const a = await new RandomForestClassifier({ n_estimators: 4, random_state: 3 }).fit(X, y);
    const b = await new RandomForestClassifier({ n_estimators: 4, random_state: 3 }).fit(X.toFloat64(), y);
    expect(b.trees).toEqual(a.trees);
  });

  it('rejects targets and inputs it cannot fit', async () => {
    const forest = new RandomForestClassifier({ n_estimators: 1 });
    await expect(forest.fit(matrixOf([[1], [2]]), new Matrix(Float64Array.of(0, 1), 2, 1))).rejects.toThrow(TypeError);
    await expect(forest.fit(matrixOf([[1], [Number.NaN]]), Int32Array.of(0, 1))).rejects.toThrow(/finite.*NaN/);
    const fitted = await forest.fit(matrixOf([[1], [2]]), Int32Array.of(0, 1));
    await expect(fitted.predict(matrixOf([[1, 2]]))).rejects.toThrow(/2 features.*fitted with 1/);
  });

  it('names the offending value of max_features and random_state', () => {
    expect(() => new RandomForestClassifier({ max_features: 'auto' as never })).toThrow(InvalidParameterError);
    expect(() => new RandomForestClassifier({ max_features: 1.5 })).toThrow(/max_features must be .*got 1.5/);
    expect(() => new RandomForestClassifier({ random_state: -1 })).toThrow(/random_state must be .*got -1/);
    expect(() => new RandomForestClassifier({ min_samples_split: 1 })).toThrow(/min_samples_split must be .*got 1/);
  });

  it('refuses more than 10,000 trees as gridfold\'s limit (scikit-learn has none): a spec error, not a failed cell', () => {
    expect(new RandomForestClassifier({ n_estimators: 10_000 }).getParams().n_estimators).toBe(10_000);
    expect(() => new RandomForestClassifier({ n_estimators: 1_000_000_000 })).toThrow(ParameterLimitError);
    expect(() => new RandomForestClassifier({ n_estimators: 1_000_000_000 })).toThrow(
      "RandomForestClassifier: n_estimators must be an integer in [1, 10000] (gridfold's limit), got 1000000000",
    );
    expect(() => new RandomForestClassifier({ n_estimators: 1e9 + 0.5 })).toThrow(ParameterLimitError);
    const belowOne = () => new RandomForestClassifier({ n_estimators: 0 });
    expect(belowOne).toThrow(InvalidParameterError);
    expect(belowOne).not.toThrow(ParameterLimitError);
  });
});

describeConformance(
  'RandomForestClassifier',
  (params) => new RandomForestClassifier({ n_estimators: 5, random_state: 0, ...params }),
  () => ({
    X: matrixOf([[0, 1], [1, 3], [2, 0], [3, 5], [4, 2], [5, 4], [6, 1], [7, 6]]),
    y: Int32Array.of(0, 0, 1, 0, 1, 1, 2, 2),
  }),
  { paramChange: { max_depth: 2, max_features: null }, invalidParams: { n_estimators: 0 } },
);
