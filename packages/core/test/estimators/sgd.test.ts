import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/matrix.js';
import { InvalidParameterError, ParameterLimitError } from '../../src/estimators/base.js';
import { SGDClassifier, type SGDClassifierParams } from '../../src/estimators/sgd.js';
import { describeConformance, matrixOf } from './conformance.js';
import { loadLinearFixture } from './linear-fixtures.js';

interface SgdCase {
  target: 'binary' | 'multiclass';
  params: Partial<SGDClassifierParams>;
  coef: number[][];
  intercept: number[];
  n_iter: number;
  decision_function: number[][] | number[];
  predict: number[];
  predict_proba?: number[][];
}
// Numbers from fixtures/make_linear_fixtures.py: SGDClassifier on make_classification
// (90 x 5, 3 classes, standardised), scikit-learn 1.2.1.
const fixture = loadLinearFixture<{ X: number[][]; y: number[]; y_binary: number[]; cases: SgdCase[] }>('sgd.json');
const X = matrixOf(fixture.X);
const yFor = (c: SgdCase) => Int32Array.from(c.target === 'binary' ? fixture.y_binary : fixture.y);

describeConformance('SGDClassifier', (p) => new SGDClassifier(p), () => ({ X, y: Int32Array.from(fixture.y) }), {
  paramChange: { random_state: 3, alpha: 0.001, loss: 'log_loss' },
  invalidParams: { alpha: -1 },
});

describe('SGDClassifier against scikit-learn 1.2.1', () => {
  for (const c of fixture.cases) {
    // Same visiting order (shuffle=false, or the same seeded draws) and the same arithmetic:
    // hinge-type losses agree to the last bit; log_loss only differs by exp/log rounding.
    const tolerance = c.params.loss === 'log_loss' ? 1e-9 : 0;
    it(`${c.target} ${JSON.stringify(c.params)}: coef, intercept, n_iter, scores`, async () => {
      const clf = await new SGDClassifier(c.params).fit(X, yFor(c));
      expect(clf.nIter).toBe(c.n_iter);
      expectClose(clf.coef!.data, c.coef.flat(), tolerance);
      expectClose(clf.intercept!, c.intercept, tolerance);
      const scores = await clf.decisionFunction(X.head(10));
      expectClose(scores.data, c.decision_function.flat(), 1e-9);
      expect(Array.from(await clf.predict(X))).toEqual(c.predict);
      if (c.predict_proba) expectClose((await clf.predictProba(X.head(10))).data, c.predict_proba.flat(), 1e-9);
    });
  }
});

describe('SGDClassifier', () => {
  const yBinary = Int32Array.from(fixture.y_binary);

  it('takes uint8 input as its float64 values', async () => {
    const pixels = new Matrix(Uint8Array.from(X.data, (v) => Math.round(v * 10 + 40)), X.rows, X.cols);
    const asFloat = pixels.toFloat64();
    const a = await new SGDClassifier({ random_state: 0 }).fit(pixels, yBinary);
    const b = await new SGDClassifier({ random_state: 0 }).fit(asFloat, yBinary);
    expect(a.coef!.data).toEqual(b.coef!.data);
    expect((await a.decisionFunction(pixels)).data).toEqual((await b.decisionFunction(asFloat)).data);
  });

  it('warns about convergence only when max_iter ran out with a tolerance set', async () => {
    const capped = await new SGDClassifier({ shuffle: false, max_iter: 2 }).fit(X, yBinary);
    expect(capped.nIter).toBe(2);
    expect(capped.convergenceWarning).toMatch(/Maximum number of iteration reached/);
    const noTol = await new SGDClassifier({ shuffle: false, max_iter: 2, tol: null }).fit(X, yBinary);
    expect(noTol.convergenceWarning).toBeUndefined();
    const converged = await new SGDClassifier({ shuffle: false }).fit(X, yBinary);
    expect(converged.convergenceWarning).toBeUndefined();
  });

  it('early stopping holds out rows and stops on their accuracy', async () => {
    const clf = await new SGDClassifier({ early_stopping: true, random_state: 0, validation_fraction: 0.2 }).fit(X, yBinary);
    expect(clf.nIter).toBeGreaterThanOrEqual(6); // n_iter_no_change = 5 epochs without gain, after a first
    expect(clf.nIter).toBeLessThan(1000);
  });

  it('binary probabilities are [1 - p, p] with p the logistic of the decision (hand check)', async () => {
    const clf = await new SGDClassifier({ loss: 'log_loss', random_state: 0 }).fit(X, yBinary);
    const [d] = (await clf.decisionFunction(X.head(1))).data;
    expectClose((await clf.predictProba(X.head(1))).data, [1 - 1 / (1 + Math.exp(-d)), 1 / (1 + Math.exp(-d))], 1e-15);
  });

  it('refuses probabilities for hinge loss, one-class targets and cross-param mistakes', async () => {
    const hinge = await new SGDClassifier().fit(X, yBinary);
    await expect(hinge.predictProba(X)).rejects.toThrow(/not available for loss="hinge"/);
    await expect(new SGDClassifier().fit(X, new Int32Array(X.rows))).rejects.toThrow(/greater than one; got 1 class/);
    expect(() => new SGDClassifier({ learning_rate: 'constant' })).toThrow(InvalidParameterError);
    expect(() => new SGDClassifier({ loss: 'squared_error' as never })).toThrow(/loss must be one of .*got "squared_error"/);
  });

  it('refuses more than 100,000 epochs as gridfold\'s limit', () => {
    expect(() => new SGDClassifier({ max_iter: 100_001 })).toThrow(ParameterLimitError);
    expect(() => new SGDClassifier({ max_iter: 100_001 })).toThrow("SGDClassifier: max_iter must be an integer in [1, 100000] (gridfold's limit), got 100001");
  });
});

async function epochModels(params: Partial<SGDClassifierParams>, y: Int32Array): Promise<{ full: SGDClassifier; models: SGDClassifier[] }> {
  const models: SGDClassifier[] = [];
  const clf = new SGDClassifier(params);
  clf.onStepModel = async (epoch, model) => {
    expect(epoch).toBe(models.length + 1);
    models.push(model);
  };
  return { full: await clf.fit(X, y), models };
}

// The model after epoch k must be the one a fit with max_iter = k returns (the stopping test
// only looks back, so this holds with a tolerance set too): compared bit for bit.
describe('SGDClassifier.onStepModel: the model after each epoch', () => {
  const cases: [string, Partial<SGDClassifierParams>, Int32Array][] = [
    ['multiclass, tolerance set (classes stop at different epochs)', { random_state: 0 }, Int32Array.from(fixture.y)],
    ['multiclass, averaged, tol=None', { random_state: 3, average: 100, tol: null, max_iter: 12 }, Int32Array.from(fixture.y)],
    ['binary', { random_state: 7 }, Int32Array.from(fixture.y_binary)],
  ];
  for (const [name, params, y] of cases) {
    it(`${name}: epoch k's model has the coefficients of a fit with max_iter = k`, async () => {
      const { full, models } = await epochModels(params, y);
      expect(models.length).toBe(full.nIter);
      for (const k of [1, 2, Math.ceil(models.length / 2), models.length]) {
        const capped = await new SGDClassifier({ ...params, max_iter: k }).fit(X, y);
        expect(Array.from(models[k - 1].coef!.data)).toEqual(Array.from(capped.coef!.data));
        expect(Array.from(models[k - 1].intercept!)).toEqual(Array.from(capped.intercept!));
        expect(models[k - 1].nIter).toBe(capped.nIter);
      }
      expect(Array.from(models[models.length - 1].coef!.data)).toEqual(Array.from(full.coef!.data));
    });
  }

  it('a hook that throws stops the fit', async () => {
    const clf = new SGDClassifier({ random_state: 0, tol: null, max_iter: 50 });
    let calls = 0;
    clf.onStepModel = async () => {
      if (++calls === 3) throw new Error('pruned');
    };
    await expect(clf.fit(X, Int32Array.from(fixture.y))).rejects.toThrow('pruned');
    expect(calls).toBe(3);
  });
});

function expectClose(actual: ArrayLike<number>, expected: number[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(...expected.map((v, i) => Math.abs(v - actual[i]) / Math.max(1, Math.abs(v))));
  expect(worst).toBeLessThanOrEqual(tolerance);
}
