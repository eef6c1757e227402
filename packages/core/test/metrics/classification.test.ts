import { describe, expect, it } from 'vitest';
import { Matrix } from '../../src/matrix.js';
import { accuracyScore, confusionMatrix, f1Score, precisionScore, recallScore, type Average } from '../../src/metrics/index.js';
import { expectAllClose, loadFixture, toTarget } from './fixtures.js';

interface ClassificationFixture {
  cases: {
    name: string;
    y_true: number[] | number[][];
    y_pred: number[] | number[][];
    accuracy: number;
    labels?: number[];
    confusion_matrix?: Record<'None' | 'true' | 'pred' | 'all', number[][]>;
    scores: Record<string, { value: number | number[]; warnings: string[] }>;
  }[];
}

// Expected values: fixtures/metrics/classification.json, written by fixtures/make_metrics_fixtures.py (scikit-learn 1.2.1).
const fixture = loadFixture<ClassificationFixture>('metrics/classification.json');
const SCORE_FUNCTIONS = { precision: precisionScore, recall: recallScore, f1: f1Score } as const;

describe.each(fixture.cases)('scikit-learn fixture: $name', (c) => {
  const yTrue = toTarget(c.y_true);
  const yPred = toTarget(c.y_pred);

  it('accuracyScore', () => {
    expect(Math.abs(accuracyScore(yTrue, yPred) - c.accuracy)).toBeLessThanOrEqual(1e-12);
  });

  it.runIf(c.confusion_matrix)('confusionMatrix, raw and normalised', () => {
    for (const [key, expected] of Object.entries(c.confusion_matrix!)) {
      const normalize = key === 'None' ? undefined : (key as 'true' | 'pred' | 'all');
      const { labels, matrix } = confusionMatrix(yTrue, yPred, { normalize });
      expect(labels).toEqual(c.labels);
      expectAllClose(matrix.flat(), expected.flat());
    }
  });

  it.each(Object.entries(c.scores))('%s, including its warnings', (key, expected) => {
    const [name, averageKey] = key.split('/') as [keyof typeof SCORE_FUNCTIONS, string];
    const average = (averageKey === 'None' ? null : averageKey) as Average;
    const warnings: string[] = [];
    const score = SCORE_FUNCTIONS[name](yTrue, yPred, { average: average as null, onWarning: (m) => warnings.push(m) });
    if (Array.isArray(expected.value)) expectAllClose(score, expected.value);
    else expect(Math.abs((score as unknown as number) - expected.value)).toBeLessThanOrEqual(1e-12);
    expect(warnings).toEqual(expected.warnings);
  });
});

describe('hand-computed cases', () => {
  // y_true 0 0 1 1 1 / y_pred 0 1 1 1 0: tp(1) = 2, fp(1) = 1, fn(1) = 1, tn = 1.
  const yTrue = Int32Array.of(0, 0, 1, 1, 1);
  const yPred = Int32Array.of(0, 1, 1, 1, 0);

  it('accuracy is 3 right out of 5; subset accuracy needs whole rows', () => {
    expect(accuracyScore(yTrue, yPred)).toBe(0.6);
    const a = new Matrix(Float64Array.of(1, 0, 1, 1), 2, 2);
    const b = new Matrix(Float64Array.of(1, 0, 0, 1), 2, 2);
    expect(accuracyScore(a, b)).toBe(0.5);
  });

  it('confusion matrix counts and row normalisation, with 0 for an empty row', () => {
    expect(confusionMatrix(yTrue, yPred).matrix).toEqual([[1, 1], [1, 2]]);
    expect(confusionMatrix(yTrue, yPred, { normalize: 'true' }).matrix).toEqual([[0.5, 0.5], [1 / 3, 2 / 3]]);
    expect(confusionMatrix(yTrue, yPred, { labels: [1, 0, 4], normalize: 'true' }).matrix).toEqual([
      [2 / 3, 1 / 3, 0],
      [0.5, 0.5, 0],
      [0, 0, 0],
    ]);
  });

  it('precision 2/3, recall 2/3, F1 2/3 for class 1; macro over classes 0 (1/2, 1/2) and 1', () => {
    expect(precisionScore(yTrue, yPred)).toBe(2 / 3);
    expect(recallScore(yTrue, yPred)).toBe(2 / 3);
    expect(f1Score(yTrue, yPred)).toBeCloseTo(2 / 3, 15);
    expect(precisionScore(yTrue, yPred, { average: 'macro' })).toBe((0.5 + 2 / 3) / 2);
    expect(recallScore(yTrue, yPred, { average: 'weighted' })).toBe((0.5 * 2 + (2 / 3) * 3) / 5);
    expect(precisionScore(yTrue, yPred, { average: 'binary', posLabel: 0 })).toBe(0.5);
  });

  it('zeroDivision 1 replaces the 0 and stays silent', () => {
    const warnings: string[] = [];
    const none = Int32Array.of(0, 0, 0);
    expect(precisionScore(Int32Array.of(0, 1, 1), none, { zeroDivision: 1, onWarning: (m) => warnings.push(m) })).toBe(1);
    expect(warnings).toEqual([]);
  });
});

describe('input validation', () => {
  const three = Int32Array.of(0, 1, 2);
  it('names mismatched lengths and empty input', () => {
    expect(() => accuracyScore(Int32Array.of(0, 1, 1), Int32Array.of(0, 1, 1, 0))).toThrow('y_true and y_pred have different lengths: 3 and 4');
    expect(() => f1Score(new Int32Array(0), new Int32Array(0))).toThrow('y_true is empty');
  });
  it("refuses average='binary' on multiclass and a pos_label that is not a label", () => {
    expect(() => precisionScore(three, three)).toThrow("Target is multiclass but average='binary'");
    expect(() => recallScore(Int32Array.of(0, 2), Int32Array.of(2, 0))).toThrow('pos_label=1 is not a valid label. It should be one of [0, 2]');
  });
  it('refuses an unknown average, mixed target kinds and multioutput matrices', () => {
    expect(() => f1Score(three, three, { average: 'samples' as never })).toThrow('got "samples"');
    const ml = new Matrix(Float64Array.of(0, 1, 1, 0, 1, 1), 3, 2);
    expect(() => accuracyScore(three, ml)).toThrow("can't handle a mix of multiclass (y_true) and multilabel-indicator (y_pred)");
    const mo = new Matrix(Float64Array.of(0, 2, 1, 0), 2, 2);
    expect(() => accuracyScore(mo, mo)).toThrow('with value 2; only multilabel 0/1 matrices');
  });
  it('confusionMatrix: bad normalize, empty labels, labels absent from y_true, multilabel', () => {
    expect(() => confusionMatrix(three, three, { normalize: 'rows' as never })).toThrow('normalize must be one of');
    expect(() => confusionMatrix(three, three, { labels: [] })).toThrow("'labels' should contain at least one label");
    expect(() => confusionMatrix(three, three, { labels: [7, 8] })).toThrow('At least one label specified must be in y_true, got labels [7, 8]');
    const ml = new Matrix(Float64Array.of(0, 1, 1, 0), 2, 2);
    expect(() => confusionMatrix(ml, ml)).toThrow('got multilabel-indicator');
  });
});
