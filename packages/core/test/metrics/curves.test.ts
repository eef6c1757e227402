import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/matrix.js';
import { auc, precisionRecallCurve, rocAucScore, rocCurve, thresholdForPrecision } from '../../src/metrics/index.js';
import { pairwiseSum } from '../../src/metrics/numpy-sum.js';
import { expectAllClose, loadFixture } from './fixtures.js';

interface Curve {
  [name: string]: number[];
}
interface CurvesFixture {
  cases: {
    name: string;
    y_true: number[];
    scores: number[];
    pos_label: number | null;
    pr: Curve;
    roc_drop_true: Curve;
    roc_drop_false: Curve;
    roc_auc?: number;
    threshold_for_precision: { target: number; threshold: number; precision: number; recall: number }[];
  }[];
  long: {
    n: number;
    pr: { length: number; sum_precision: number } & Record<'precision' | 'recall' | 'thresholds', Record<string, number>>;
    roc: { length: number } & Record<'fpr' | 'tpr' | 'thresholds', Record<string, number>>;
    roc_auc: number;
  };
  multilabel_roc_auc: { y_true: number[][]; scores: number[][]; roc_auc_macro: number };
}

// Expected values: fixtures/metrics/curves.json, written by fixtures/make_metrics_fixtures.py (scikit-learn 1.2.1).
// They are compared exactly (tolerance 0): the curves follow scikit-learn's arithmetic step for step.
const fixture = loadFixture<CurvesFixture>('metrics/curves.json');

describe.each(fixture.cases)('scikit-learn fixture: $name', (c) => {
  const posLabel = c.pos_label ?? undefined;
  const quiet = { posLabel, onWarning: () => undefined };

  it('precisionRecallCurve', () => {
    const curve = precisionRecallCurve(c.y_true, c.scores, quiet);
    for (const key of ['precision', 'recall', 'thresholds'] as const) expectAllClose(curve[key], c.pr[key], 0);
  });

  it('rocCurve with and without dropIntermediate', () => {
    for (const drop of [true, false]) {
      const curve = rocCurve(c.y_true, c.scores, { ...quiet, dropIntermediate: drop });
      const expected = drop ? c.roc_drop_true : c.roc_drop_false;
      for (const key of ['fpr', 'tpr', 'thresholds'] as const) expectAllClose(curve[key], expected[key], 0);
    }
  });

  it.runIf(c.roc_auc !== undefined)('rocAucScore', () => {
    expect(rocAucScore(c.y_true, c.scores)).toBe(c.roc_auc!);
  });

  it.each(c.threshold_for_precision)('thresholdForPrecision($target) as the seed notebooks pick it', (e) => {
    const got = thresholdForPrecision(c.y_true, c.scores, e.target, quiet);
    expectAllClose([got.threshold, got.precision, got.recall], [e.threshold, e.precision, e.recall], 0);
  });
});

/** The fixture script's `long_curve_scores`, in the same integer and float64 steps. */
function longCase(n: number): { y: Int32Array; scores: Float64Array } {
  const y = new Int32Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    scores[i] = Math.floor((((i * 7919) % 60013) / 60013) * 20000) / 20000;
    y[i] = Number((i * 31) % 7 < 3) ^ Number(scores[i] > 0.8 && i % 5 === 0);
  }
  return { y, scores };
}

describe('60,000-point curves (fixture stores sampled points of the scikit-learn curves)', () => {
  const { y, scores } = longCase(fixture.long.n);
  const sampled = (a: Float64Array, expected: Record<string, number>) => {
    const keys = Object.keys(expected).map(Number);
    expect(keys.map((k) => a[k])).toEqual(keys.map((k) => expected[k]));
  };

  // How fast these are is a benchmark's question (bench/), not a unit test's.
  it('precision-recall and ROC curves and AUC agree', () => {
    const pr = precisionRecallCurve(y, scores);
    const roc = rocCurve(y, scores);
    const area = rocAucScore(y, scores);
    expect(pr.precision.length).toBe(fixture.long.pr.length);
    for (const key of ['precision', 'recall', 'thresholds'] as const) sampled(pr[key], fixture.long.pr[key]);
    // numpy's summation order, so that the sum of all 20,001 points (not just the sampled ones) is exact.
    expect(pairwiseSum(pr.precision)).toBe(fixture.long.pr.sum_precision);
    expect(roc.fpr.length).toBe(fixture.long.roc.length);
    for (const key of ['fpr', 'tpr', 'thresholds'] as const) sampled(roc[key], fixture.long.roc[key]);
    expect(area).toBe(fixture.long.roc_auc);
  });
});

describe('multilabel rocAucScore', () => {
  it('is the macro average over columns (fixture: roc_auc_score(average="macro"))', () => {
    const m = fixture.multilabel_roc_auc;
    const y = new Matrix(Float64Array.from(m.y_true.flat()), m.y_true.length, 3);
    const s = new Matrix(Float64Array.from(m.scores.flat()), m.scores.length, 3);
    expect(rocAucScore(y, s)).toBe(m.roc_auc_macro);
  });
});

describe('hand-computed cases', () => {
  // scikit-learn's docstring example: y 0 0 1 1, scores 0.1 0.4 0.35 0.8.
  const y = [0, 0, 1, 1];
  const s = [0.1, 0.4, 0.35, 0.8];

  it('precision-recall: one point per distinct score plus (precision 1, recall 0)', () => {
    const c = precisionRecallCurve(y, s);
    expect(Array.from(c.precision)).toEqual([0.5, 2 / 3, 0.5, 1, 1]);
    expect(Array.from(c.recall)).toEqual([1, 1, 0.5, 0.5, 0]);
    expect(Array.from(c.thresholds)).toEqual([0.1, 0.35, 0.4, 0.8]);
  });

  it('ROC starts at threshold max + 1 (scikit-learn 1.2) and its area is 3 of 4 ranked pairs', () => {
    const c = rocCurve(y, s);
    expect(Array.from(c.thresholds)).toEqual([1.8, 0.8, 0.4, 0.35, 0.1]);
    expect(Array.from(c.fpr)).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(Array.from(c.tpr)).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(rocAucScore(y, s)).toBe(0.75);
    expect(auc([1, 0.5, 0], [1, 1, 0])).toBe(0.75);
  });

  it('thresholdForPrecision(0.6) takes the lowest threshold with precision >= 0.6: 0.35 (2 of 3 predicted are positive)', () => {
    expect(thresholdForPrecision(y, s, 0.6)).toEqual({ threshold: 0.35, precision: 2 / 3, recall: 1 });
  });

  it('ties share one threshold', () => {
    const c = rocCurve([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.2], { dropIntermediate: false });
    expect(Array.from(c.thresholds)).toEqual([1.5, 0.5, 0.2]);
    expect(Array.from(c.tpr)).toEqual([0, 1, 1]);
  });
});

describe('input validation and warnings', () => {
  it('names the bad input', () => {
    expect(() => rocCurve([0, 1], [0.1, 0.2, 0.3])).toThrow('y_true and scores have different lengths: 2 and 3');
    expect(() => precisionRecallCurve([], [])).toThrow('y_true is empty');
    expect(() => rocCurve([0, 1], [0.1, NaN])).toThrow('scores must be finite, got NaN at index 1');
    expect(() => rocCurve([0, 1, 2], [0.1, 0.2, 0.3])).toThrow('y_true has 3 classes [0, 1, 2]');
    expect(() => rocCurve([2, 5], [0.1, 0.2])).toThrow('y_true takes value in {2, 5} and posLabel is not specified');
    expect(() => rocAucScore([1, 1], [0.1, 0.2])).toThrow('Only one class present in y_true (1)');
    expect(() => rocAucScore([0, 1, 2], [0.1, 0.2, 0.3])).toThrow('rocAucScore supports binary and multilabel targets; y_true has 3 classes');
    expect(() => auc([0, 1, 0.5], [0, 1, 1])).toThrow('x is neither increasing nor decreasing');
  });

  it('thresholdForPrecision refuses an unreachable or invalid target', () => {
    expect(() => thresholdForPrecision([1, 0, 0], [0.1, 0.5, 0.9], 0.9)).toThrow(
      'no threshold reaches precision >= 0.9; the best precision over the 3 thresholds is 0.3333333333333333',
    );
    expect(() => thresholdForPrecision([0, 1], [0.1, 0.9], 1.5)).toThrow('targetPrecision must be in (0, 1], got 1.5');
  });

  it('reports scikit-learn warnings and NaN rates for one-class y_true', () => {
    const warnings: string[] = [];
    const roc = rocCurve([1, 1, 1], [0.2, 0.4, 0.9], { onWarning: (m) => warnings.push(m) });
    expect(Array.from(roc.fpr).every(Number.isNaN)).toBe(true);
    precisionRecallCurve([0, 0], [0.2, 0.4], { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      'No negative samples in y_true, false positive value should be meaningless',
      'No positive class found in y_true, recall is set to one for all thresholds.',
    ]);
  });
});
