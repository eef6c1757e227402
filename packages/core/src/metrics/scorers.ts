import type { Estimator, HasDecisionFunction, OutputMethod } from '../estimators/base.js';
import { Matrix, type Target } from '../matrix.js';
import { PREDICTION_METRICS } from './by-name.js';
import { rocAucScore } from './roc.js';

/**
 * A scikit-learn scorer: what it needs from the estimator and how it turns that into a
 * number (greater is better, so errors are negated as in scikit-learn).
 */
export interface Scorer {
  /** The estimator method whose output is scored ('predict' scorers can share one neighbour search). */
  needs: Extract<OutputMethod, 'predict' | 'decision_function'>;
  fromOutput(yTrue: Target, output: Target | Matrix<Float64Array>): number;
}

const fromPredict = (f: (y: Target, p: Target) => number): Scorer => ({ needs: 'predict', fromOutput: (y, p) => f(y, p) });

/** scikit-learn's scorers by name (`scoring=`). */
export const SCORERS = {
  accuracy: fromPredict(PREDICTION_METRICS.accuracy),
  f1: fromPredict(PREDICTION_METRICS.f1),
  f1_macro: fromPredict(PREDICTION_METRICS.f1_macro),
  f1_weighted: fromPredict(PREDICTION_METRICS.f1_weighted),
  precision: fromPredict(PREDICTION_METRICS.precision),
  recall: fromPredict(PREDICTION_METRICS.recall),
  neg_mean_squared_error: fromPredict((y, p) => -PREDICTION_METRICS.mean_squared_error(y, p)),
  roc_auc: {
    needs: 'decision_function',
    fromOutput: (y, scores) => rocAucScore(y as Int32Array, firstColumn(scores as Matrix<Float64Array>)),
  },
} as const satisfies Record<string, Scorer>;

/** Name of a scorer (`scoring` in a spec). */
export type ScoringName = keyof typeof SCORERS;

/** Runs the estimator method a scorer needs on X: what {@link Scorer.fromOutput} takes. */
export async function scorerOutput(scorer: Scorer, estimator: Estimator, X: Matrix): Promise<Target> {
  if (scorer.needs === 'predict') return estimator.predict(X);
  const withDecision = estimator as Estimator & Partial<HasDecisionFunction>;
  if (!withDecision.decisionFunction) throw new Error(`${estimator.name} has no decision_function, which this scoring needs`);
  return withDecision.decisionFunction(X);
}

/** Runs the estimator method a scorer needs, then scores its output. */
export async function score(scorer: Scorer, estimator: Estimator, X: Matrix, y: Target): Promise<number> {
  return scorer.fromOutput(y, await scorerOutput(scorer, estimator, X));
}

/** The scores of a binary decision function as one array (its only column). */
export function firstColumn(m: Matrix<Float64Array>): Float64Array {
  if (m.cols === 1) return m.data;
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.get(i, m.cols - 1);
  return out;
}
