import type { Estimator } from '../estimators/base.js';
import { Matrix, type Target } from '../matrix.js';
import { accuracyScore, f1Score, meanSquaredError, precisionScore, recallScore, rocAucScore } from '../metrics/index.js';
import type { SCORINGS } from '../spec/schema.js';

export type ScoringName = (typeof SCORINGS)[number];

/**
 * A scikit-learn scorer by name: what it needs from the estimator and how it turns that
 * into a number (greater is better, so errors are negated as in scikit-learn).
 */
export interface Scorer {
  /** 'predict' scorers can score many cells from one shared neighbour search. */
  needs: 'predict' | 'decision_function';
  fromOutput(yTrue: Target, output: Target | Matrix<Float64Array>): number;
}

const fromPredict = (f: (y: Target, p: Target) => number): Scorer => ({ needs: 'predict', fromOutput: (y, p) => f(y, p) });

export const SCORERS: Record<ScoringName, Scorer> = {
  accuracy: fromPredict(accuracyScore),
  f1: fromPredict((y, p) => f1Score(y, p, { average: 'binary' }) as number),
  f1_macro: fromPredict((y, p) => f1Score(y, p, { average: 'macro' }) as number),
  f1_weighted: fromPredict((y, p) => f1Score(y, p, { average: 'weighted' }) as number),
  precision: fromPredict((y, p) => precisionScore(y, p, { average: 'binary' }) as number),
  recall: fromPredict((y, p) => recallScore(y, p, { average: 'binary' }) as number),
  neg_mean_squared_error: fromPredict((y, p) => -meanSquaredError(y as Matrix, p as Matrix)),
  roc_auc: {
    needs: 'decision_function',
    fromOutput: (y, scores) => rocAucScore(y as Int32Array, firstColumn(scores as Matrix<Float64Array>)),
  },
};

/** Runs the estimator method a scorer needs, then scores its output. */
export async function score(scorer: Scorer, estimator: Estimator, X: Matrix, y: Target): Promise<number> {
  if (scorer.needs === 'predict') return scorer.fromOutput(y, await estimator.predict(X));
  const withDecision = estimator as Estimator & { decisionFunction?: (X: Matrix) => Promise<Matrix<Float64Array>> };
  if (!withDecision.decisionFunction) throw new Error(`${estimator.name} has no decision_function, which this scoring needs`);
  return scorer.fromOutput(y, await withDecision.decisionFunction(X));
}

/** The scores of a binary decision function as one array (its only column). */
export function firstColumn(m: Matrix<Float64Array>): Float64Array {
  if (m.cols === 1) return m.data;
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.get(i, m.cols - 1);
  return out;
}

/** True for a target of class labels (not a matrix). */
export function isLabels(y: Target): y is Int32Array {
  return !(y instanceof Matrix);
}
