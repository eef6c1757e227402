import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/matrix.js';
import { InvalidParameterError } from '../../src/estimators/base.js';
import { DummyClassifier, type DummyClassifierParams } from '../../src/estimators/dummy.js';
import { describeConformance } from './conformance.js';
import { loadLinearFixture } from './linear-fixtures.js';

// Numbers from fixtures/make_linear_fixtures.py (scikit-learn 1.2.1): labels where classes 1
// and 2 tie for most frequent, so most_frequent/prior must pick the smaller.
const fixture = loadLinearFixture<{
  y: number[];
  classes: number[];
  cases: Array<{ params: DummyClassifierParams; predict: number[]; predict_proba: number[][] }>;
}>('dummy.json');
const y = Int32Array.from(fixture.y);
const X = new Matrix(new Float64Array(y.length * 2), y.length, 2);

describeConformance('DummyClassifier', (p) => new DummyClassifier(p), () => ({ X, y }), {
  paramChange: { strategy: 'constant', constant: 5 },
  invalidParams: { strategy: 'uniformish' },
});

describe('DummyClassifier against scikit-learn 1.2.1', () => {
  for (const c of fixture.cases) {
    it(`${JSON.stringify(c.params)} predicts and gives probabilities`, async () => {
      const d = await new DummyClassifier(c.params).fit(X, y);
      expect(Array.from(d.classes!)).toEqual(fixture.classes);
      expect(Array.from(await d.predict(X.head(2)))).toEqual(c.predict);
      const proba = await d.predictProba(X.head(2));
      c.predict_proba.flat().forEach((v, i) => expect(proba.data[i]).toBeCloseTo(v, 15));
    });
  }

  it('constant strategy needs a constant seen in training, and says which', async () => {
    await expect(new DummyClassifier({ strategy: 'constant' }).fit(X, y)).rejects.toThrow(InvalidParameterError);
    await expect(new DummyClassifier({ strategy: 'constant', constant: 4 }).fit(X, y)).rejects.toThrow(/present in the training data \(1, 2, 3, 5\), got 4/);
  });
});
