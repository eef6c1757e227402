import type { Estimator, HasDecisionFunction, HasPredictProba } from '../estimators/base.js';
import { Matrix, type Target } from '../matrix.js';
import type { OofSettings } from '../plan/plan.js';
import type { OofOutputs } from './task-result.js';

/**
 * cross_val_predict's part of one fold: the fitted estimator's outputs on the fold's test
 * rows, for each method asked; `predictions` are reused when the score already made them.
 * @throws Error when the estimator lacks a method asked for.
 */
export async function outOfFold(oof: OofSettings, fitted: Estimator, X: Matrix, indices: Int32Array, predictions?: Target): Promise<OofOutputs> {
  const est = fitted as Estimator & Partial<HasDecisionFunction & HasPredictProba>;
  const out: OofOutputs = { indices: Array.from(indices) };
  for (const method of oof.methods) {
    if (method === 'predict') out.predict = toJson(predictions ?? (await est.predict(X)));
    else if (method === 'decision_function') {
      if (!est.decisionFunction) throw new Error(`${est.name} has no decision_function`);
      out.decision_function = rowsOf(await est.decisionFunction(X));
    } else {
      if (!est.predictProba) throw new Error(`${est.name} has no predict_proba`);
      out.predict_proba = rowsOf(await est.predictProba(X));
    }
  }
  return out;
}

function toJson(t: Target): number[] | number[][] {
  return t instanceof Matrix ? rowsOf(t) : Array.from(t);
}

function rowsOf(m: Matrix): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < m.rows; i++) rows.push(Array.from(m.row(i)));
  return rows;
}
