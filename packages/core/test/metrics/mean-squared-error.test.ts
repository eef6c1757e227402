import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/matrix.js';
import { meanSquaredError } from '../../src/metrics/index.js';
import { loadFixture } from './fixtures.js';

interface RegressionFixture {
  cases: { name: string; shape: number[]; y_true: number[]; y_pred: number[]; mse: number }[];
}

// Expected values: fixtures/metrics/regression.json, written by fixtures/make_metrics_fixtures.py (scikit-learn 1.2.1).
const fixture = loadFixture<RegressionFixture>('metrics/regression.json');

describe('meanSquaredError', () => {
  it.each(fixture.cases)('matches mean_squared_error on $name', (c) => {
    const wrap = (v: number[]) => (c.shape.length === 1 ? Float64Array.from(v) : new Matrix(Float64Array.from(v), c.shape[0], c.shape[1]));
    expect(Math.abs(meanSquaredError(wrap(c.y_true), wrap(c.y_pred)) - c.mse)).toBeLessThanOrEqual(1e-12);
  });

  it('hand-computed: outputs averaged uniformly, a vector is one output', () => {
    // column errors: (1 + 9) / 2 = 5 and (0 + 4) / 2 = 2, mean 3.5
    const t = new Matrix(Float64Array.of(0, 0, 0, 0), 2, 2);
    const p = new Matrix(Float64Array.of(1, 0, 3, 2), 2, 2);
    expect(meanSquaredError(t, p)).toBe(3.5);
    expect(meanSquaredError(Float64Array.of(1, 2), new Matrix(Float64Array.of(2, 4), 2, 1))).toBe(2.5);
  });

  it('names mismatched shapes and non-finite values', () => {
    const m = new Matrix(new Float64Array(6), 3, 2);
    expect(() => meanSquaredError(m, new Float64Array(3))).toThrow('y_true and y_pred have different number of outputs: 2 and 1');
    expect(() => meanSquaredError(new Float64Array(3), new Float64Array(2))).toThrow('different lengths: 3 and 2');
    expect(() => meanSquaredError(Float64Array.of(1), Float64Array.of(Infinity))).toThrow('y_pred must be finite, got Infinity at index 0');
  });
});
