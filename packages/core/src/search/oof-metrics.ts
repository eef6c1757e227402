import { headSplit, type Dataset } from '../datasets/load.js';
import { Matrix } from '../matrix.js';
import {
  confusionMatrix,
  downsampleCurve,
  f1Score,
  precisionRecallCurve,
  precisionScore,
  recallScore,
  rocAucScore,
  rocCurve,
  thresholdForPrecision,
} from '../metrics/index.js';
import type { ExperimentSpec } from '../spec/schema.js';
import type { TaskResult } from './fit-and-score.js';
import { cvRows, type Plan } from './plan.js';

/**
 * cross_val_predict and the metrics the spec asks of it: out-of-fold outputs of every fold
 * are put back in training-row order, then scored against the training targets.
 */
export function oofMetrics(spec: ExperimentSpec, dataset: Dataset, plan: Plan, results: TaskResult[]): Record<string, unknown> {
  const oof = spec.oof;
  if (!oof || !plan.cv) return {};
  const n = cvRows(dataset, plan.cv);
  const y = headSplit(dataset.train, n).y;
  const predict = assemble(results, n, 'predict');
  const scores = binaryScores(results, n);
  const out: Record<string, unknown> = {};
  const binary = !(y instanceof Matrix) && spec.dataset.target?.kind === 'binary';
  for (const name of oof.metrics) {
    if (['confusion_matrix', 'precision', 'recall', 'f1', 'f1_macro', 'f1_weighted'].includes(name) && !predict) {
      throw new Error(`oof metric ${name} needs oof.methods to include "predict"`);
    }
    if (['roc_auc', 'precision_recall_curve', 'roc_curve'].includes(name) && !scores) {
      throw new Error(`oof metric ${name} needs oof.methods to include "decision_function" or "predict_proba"`);
    }
    const yLabels = y as Int32Array;
    switch (name) {
      case 'confusion_matrix': {
        out.confusion_matrix = confusionMatrix(yLabels, predict as Int32Array).matrix;
        for (const normalize of oof.confusion_normalize) {
          out[`confusion_matrix_normalized_${normalize}`] = confusionMatrix(yLabels, predict as Int32Array, { normalize }).matrix;
        }
        break;
      }
      case 'precision':
      case 'recall':
      case 'f1': {
        if (!binary) throw new Error(`oof metric ${name} is for binary targets; use f1_macro or f1_weighted`);
        const f = name === 'precision' ? precisionScore : name === 'recall' ? recallScore : f1Score;
        out[name] = f(yLabels, predict as Int32Array, { average: 'binary' });
        break;
      }
      case 'f1_macro':
      case 'f1_weighted':
        out[name] = f1Score(y, predict!, { average: name === 'f1_macro' ? 'macro' : 'weighted' });
        break;
      case 'roc_auc':
        out.roc_auc = rocAucScore(yLabels, scores!);
        break;
      case 'precision_recall_curve': {
        const c = precisionRecallCurve(yLabels, scores!);
        out.precision_recall_curve = oof.full_curves ? c : downsampleCurve(c, oof.curve_points);
        break;
      }
      case 'roc_curve': {
        const c = rocCurve(yLabels, scores!);
        out.roc_curve = oof.full_curves ? c : downsampleCurve(c, oof.curve_points);
        break;
      }
    }
  }
  if (oof.threshold_for_precision !== undefined) {
    if (!scores) throw new Error('threshold_for_precision needs oof.methods to include "decision_function" or "predict_proba"');
    out.threshold_for_precision = thresholdForPrecision(y as Int32Array, scores, oof.threshold_for_precision);
  }
  return out;
}

/** Out-of-fold predictions in row order: labels, or a matrix for multilabel/multioutput targets. */
function assemble(results: TaskResult[], n: number, key: 'predict'): Int32Array | Matrix | undefined {
  const parts = results.filter((r) => r.oof?.[key]);
  if (parts.length === 0) return undefined;
  const first = parts[0].oof![key]![0];
  if (Array.isArray(first)) {
    const cols = first.length;
    const data = new Float64Array(n * cols);
    for (const r of parts) (r.oof![key] as number[][]).forEach((row, i) => data.set(row, r.oof!.indices[i] * cols));
    return new Matrix(data, n, cols);
  }
  const out = new Int32Array(n);
  for (const r of parts) (r.oof![key] as number[]).forEach((v, i) => (out[r.oof!.indices[i]] = v));
  return out;
}

/** Scores for the positive class: the decision function, else the last probability column. */
function binaryScores(results: TaskResult[], n: number): Float64Array | undefined {
  const key = results.some((r) => r.oof?.decision_function) ? 'decision_function' : results.some((r) => r.oof?.predict_proba) ? 'predict_proba' : null;
  if (!key) return undefined;
  const out = new Float64Array(n);
  for (const r of results) {
    const rows = r.oof?.[key];
    if (!rows) continue;
    rows.forEach((row, i) => (out[r.oof!.indices[i]] = row[row.length - 1]));
  }
  return out;
}
