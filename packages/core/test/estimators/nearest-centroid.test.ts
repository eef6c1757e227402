import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '../../src/estimators/builtins.js';
import { loadMnist } from '../../src/datasets/mnist.js';
import { InvalidParameterError, type Params } from '../../src/estimators/base.js';
import { NearestCentroid } from '../../src/estimators/nearest-centroid.js';
import { buildEstimator, estimatorNames } from '../../src/estimators/registry.js';
import { Matrix } from '../../src/matrix.js';
import { runExperiment } from '../../src/runner/run-local.js';
import { rowRange } from '../kernels/fixtures.js';
import { describeConformance, matrixOf } from './conformance.js';

// Every expected number below comes from fixtures/nearest_centroid/*.json, written by
// fixtures/make_nearest_centroid_fixtures.py with scikit-learn 1.2.1.
const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../../../fixtures/nearest_centroid/${name}`, import.meta.url), 'utf8')) as T;

interface Case {
  X: number[][];
  y: number[];
  Q: number[][];
  classes: number[];
  centroids: number[][];
  predict: number[];
  /** How far the closest query is from a tie, relative to the terms of the distance (see the script). */
  min_relative_gap?: number;
}
const synthetic = fixture<Record<'float' | 'one_feature' | 'ties', Case>>('synthetic.json');
const mnist = fixture<{
  train_rows: number[];
  query_rows: number[];
  predict: number[];
  min_relative_gap: number;
  cv: { subset: number; n_splits: number; test_scores: number[]; test_accuracy: number };
}>('mnist.json');

const rows = (m: Matrix) => Array.from({ length: m.rows }, (_, i) => Array.from(m.row(i)));
const data = (c: Case) => ({ X: matrixOf(c.X), y: Int32Array.from(c.y) });

describeConformance('NearestCentroid', (p) => new NearestCentroid(p), () => data(synthetic.float), {
  paramChange: { metric: 'euclidean' },
  invalidParams: { shrink_threshold: 0.5 },
});

describe('NearestCentroid against scikit-learn 1.2.1', () => {
  // float: 60 x 4 with columns of scales 1e-3..1e3, where numpy's row-by-row column sums
  // differ in the last bits from pairwise ones; one_feature: a single column, which numpy
  // sums pairwise; ties: queries exactly equidistant from two or three centroids.
  for (const name of ['float', 'one_feature', 'ties'] as const) {
    it(`${name}: the same classes, centroids to the last bit, and predictions`, async () => {
      const c = synthetic[name];
      const { X, y } = data(c);
      const nc = await new NearestCentroid().fit(X, y);
      expect(Array.from(nc.classes!)).toEqual(c.classes);
      expect(rows(nc.centroids!)).toEqual(c.centroids);
      expect(Array.from(await nc.predict(matrixOf(c.Q)))).toEqual(c.predict);
    });
  }

  it('MNIST (uint8 pixels): the same predictions for 500 images', async () => {
    const { train } = await loadMnist();
    const nc = await new NearestCentroid().fit(rowRange(train.X, mnist.train_rows), train.y.subarray(mnist.train_rows[0], mnist.train_rows[1]));
    expect(Array.from(await nc.predict(rowRange(train.X, mnist.query_rows)))).toEqual(mnist.predict);
  });

  it('no fixture query is within rounding of a tie, so BLAS\'s order of additions cannot change a prediction', () => {
    for (const gap of [synthetic.float.min_relative_gap!, synthetic.one_feature.min_relative_gap!, mnist.min_relative_gap]) {
      expect(gap).toBeGreaterThan(1e-10);
    }
  });
});

describe('NearestCentroid checks', () => {
  it('rejects shrinking and other metrics, naming the value', () => {
    const shrinking: Params = { shrink_threshold: 0.2 };
    const manhattan: Params = { metric: 'manhattan' };
    expect(() => new NearestCentroid(shrinking)).toThrow(InvalidParameterError);
    expect(() => new NearestCentroid(shrinking)).toThrow('NearestCentroid: shrink_threshold must be null (shrinking is not implemented), got 0.2');
    expect(() => new NearestCentroid(manhattan)).toThrow('NearestCentroid: metric must be one of "euclidean", got "manhattan"');
  });

  it('needs two classes to fit and the fitted number of features to predict', async () => {
    const X = matrixOf([[0], [1]]);
    await expect(new NearestCentroid().fit(X, Int32Array.of(4, 4))).rejects.toThrow('y must have at least 2 classes, got 1');
    const nc = await new NearestCentroid().fit(X, Int32Array.of(4, 5));
    await expect(nc.predict(matrixOf([[0, 1]]))).rejects.toThrow('X has 2 features, but the estimator was fitted with 1');
  });
});

describe('NearestCentroid through the registry', () => {
  it('is built by name and runs an experiment: the fold scores and test accuracy of scikit-learn', async () => {
    expect(estimatorNames()).toContain('NearestCentroid');
    expect(buildEstimator({ name: 'NearestCentroid' })).toBeInstanceOf(NearestCentroid);
    const r = await runExperiment({
      name: 'nearest-centroid',
      dataset: { source: 'mnist' },
      estimator: { name: 'NearestCentroid' },
      cv: { n_splits: mnist.cv.n_splits, subset: mnist.cv.subset },
      refit: { subset: mnist.cv.subset },
    });
    expect(r.status, r.error).toBe('completed');
    const cv = r.cv_results!;
    expect([cv.split0_test_score[0], cv.split1_test_score[0], cv.split2_test_score[0]]).toEqual(mnist.cv.test_scores);
    expect(r.test!.accuracy).toBe(mnist.cv.test_accuracy);
  });
});

describe("README's 'Adding an estimator' shows this estimator as it is", () => {
  const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
  const readme = read('../../../../README.md');
  const start = readme.indexOf('\n## Adding an estimator\n');
  const end = readme.indexOf('\n## ', start + 1);
  const blocks = [...readme.slice(start, end === -1 ? undefined : end).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

  it('shows the whole of nearest-centroid.ts', () => {
    expect(start).toBeGreaterThan(-1);
    expect(blocks[0]).toBe(read('../../src/estimators/nearest-centroid.ts'));
  });

  it('shows the import and registration lines that builtins.ts has', () => {
    const builtins = read('../../src/estimators/builtins.ts').split('\n');
    const shown = blocks[1].split('\n').filter((line) => line !== '' && !line.startsWith('//'));
    expect(shown).toEqual(["import { NearestCentroid } from './nearest-centroid.js';", "registerEstimator('NearestCentroid', NearestCentroid);"]);
    for (const line of shown) expect(builtins).toContain(line);
  });
});
