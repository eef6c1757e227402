import { describe, expect, it } from 'vitest';
import { downsampleCurve, precisionRecallCurve, rocCurve } from '../../src/metrics/index.js';

/** A seeded 60,000-sample problem (no scikit-learn numbers needed: the checks are structural). */
function problem(n: number): { y: Int32Array; scores: Float64Array } {
  const y = new Int32Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = (i * 2654435761) % 97 < 40 ? 1 : 0;
    scores[i] = ((i * 40503) % 65537) / 65537 + 0.3 * y[i];
  }
  return { y, scores };
}

function isMonotone(a: Float64Array, direction: 1 | -1): boolean {
  return a.every((v, i) => i === 0 || direction * (v - a[i - 1]) >= 0);
}

describe('downsampleCurve', () => {
  const { y, scores } = problem(60_000);

  it('keeps both endpoints and monotonicity of a 60,000-point ROC curve', () => {
    const roc = rocCurve(y, scores, { dropIntermediate: false });
    const small = downsampleCurve(roc, 300);
    expect(small.fpr.length).toBe(300);
    for (const key of ['fpr', 'tpr', 'thresholds'] as const) {
      expect(small[key][0]).toBe(roc[key][0]);
      expect(small[key].at(-1)).toBe(roc[key].at(-1));
    }
    expect(isMonotone(small.fpr, 1) && isMonotone(small.tpr, 1) && isMonotone(small.thresholds, -1)).toBe(true);
  });

  it('keeps precision-recall thresholds one shorter and aligned', () => {
    const pr = precisionRecallCurve(y, scores);
    const small = downsampleCurve(pr, 200);
    expect(small.precision.length).toBe(200);
    expect(small.thresholds.length).toBe(199);
    expect([small.precision.at(-1), small.recall.at(-1)]).toEqual([1, 0]);
    expect(small.thresholds.at(-1)).toBe(pr.thresholds.at(-1));
    expect(isMonotone(small.recall, -1) && isMonotone(small.thresholds, 1)).toBe(true);
    const i = pr.thresholds.indexOf(small.thresholds[100]);
    expect(small.precision[100]).toBe(pr.precision[i]);
  });

  it('hand-computed: 5 points down to 3 keeps indices 0, 2, 4; short curves are copied', () => {
    const c = { x: Float64Array.of(0, 1, 2, 3, 4) };
    expect(Array.from(downsampleCurve(c, 3).x)).toEqual([0, 2, 4]);
    expect(Array.from(downsampleCurve(c, 10).x)).toEqual([0, 1, 2, 3, 4]);
  });

  it('names bad arguments', () => {
    expect(() => downsampleCurve({ x: new Float64Array(5) }, 1)).toThrow('maxPoints must be an integer >= 2, got 1');
    expect(() => downsampleCurve({ x: new Float64Array(5), t: new Float64Array(2) }, 3)).toThrow(
      "curve array 't' has 2 points; expected 5 or 4",
    );
  });
});
