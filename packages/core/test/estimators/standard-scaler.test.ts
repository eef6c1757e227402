import { describe, expect, it } from 'vitest';
import { StandardScaler, type StandardScalerParams } from '../../src/estimators/standard-scaler.js';
import { describeConformance, matrixOf } from './conformance.js';
import { loadLinearFixture } from './linear-fixtures.js';

// Numbers from fixtures/make_linear_fixtures.py (scikit-learn 1.2.1): a 5 x 4 matrix whose
// second and fourth columns are constant (scale 1, output 0).
const fixture = loadLinearFixture<{
  X: number[][];
  mean: number[];
  var: number[];
  scale: number[];
  cases: Array<{ params: StandardScalerParams; transform: number[][] }>;
}>('standard_scaler.json');
const X = matrixOf(fixture.X);

describeConformance('StandardScaler', (p) => new StandardScaler(p), () => ({ X }), {
  paramChange: { with_mean: false },
  invalidParams: { with_std: 'yes' },
});

describe('StandardScaler against scikit-learn 1.2.1', () => {
  it('learns mean, population variance and scale (1 for constant columns)', async () => {
    const s = await new StandardScaler().fit(X);
    expect(Array.from(s.mean!)).toEqual(fixture.mean);
    fixture.var.forEach((v, j) => expect(s.variance![j]).toBeCloseTo(v, 14));
    fixture.scale.forEach((v, j) => expect(s.scale![j]).toBeCloseTo(v, 14));
  });

  for (const c of fixture.cases) {
    it(`transforms with ${JSON.stringify(c.params)}`, async () => {
      const out = await new StandardScaler(c.params).fitTransform(X);
      expect(out.rows).toBe(X.rows);
      c.transform.flat().forEach((v, i) => expect(out.data[i]).toBeCloseTo(v, 13));
    });
  }

  it('refuses a matrix of another width', async () => {
    const s = await new StandardScaler().fit(X);
    await expect(s.transform(matrixOf([[1, 2]]))).rejects.toThrow(/X has 2 features, but the scaler was fitted with 4/);
  });
});
