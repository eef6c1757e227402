import { listNames } from '../datasets/labels.js';
import { headSplit, type Dataset } from '../datasets/load.js';
import { Matrix } from '../matrix.js';
import { confusionMatrix, downsampleCurve, PREDICTION_METRICS, precisionRecallCurve, rocAucScore, rocCurve, thresholdForPrecision } from '../metrics/index.js';
import type { TaskResult } from '../evaluate/task-result.js';
import type { Plan } from '../plan/plan.js';
import { cvRows } from '../splitters/fold-data.js';

/**
 * cross_val_predict and the metrics the plan asks of it: out-of-fold outputs of every fold
 * are put back in training-row order, then scored against the training targets. What each
 * metric needs (predictions, scores, a binary target) was checked with the spec (plan/check-oof.ts).
 */
export function oofMetrics(plan: Pick<Plan, 'oof' | 'cv'>, dataset: Dataset, results: TaskResult[]): Record<string, unknown> {
  const oof = plan.oof;
  if (!oof || !plan.cv) return {};
  const n = cvRows(dataset, plan.cv);
  const y = headSplit(dataset.train, n).y;
  const scores = binaryScores(results, n);
  const predict = oof.threshold !== undefined ? scores!.reduce((p, s, i) => ((p[i] = s >= oof.threshold! ? 1 : 0), p), new Int32Array(n)) : assemble(results, n, 'predict');
  const out: Record<string, unknown> = {};
  const classes = dataset.classes;
  for (const name of oof.metrics) {
    const yLabels = y as Int32Array;
    switch (name) {
      case 'confusion_matrix': {
        const { labels, matrix } = confusionMatrix(yLabels, predict as Int32Array);
        out.confusion_matrix = matrix;
        out.confusion_matrix_labels = classes ? labels.map((k) => classes[k]) : labels;
        for (const normalize of oof.confusion_normalize) {
          out[`confusion_matrix_normalized_${normalize}`] =
            normalize === 'errors_true' || normalize === 'errors_pred'
              ? normalizeErrors(matrix, normalize === 'errors_true' ? 'rows' : 'cols')
              : confusionMatrix(yLabels, predict as Int32Array, { normalize }).matrix;
        }
        break;
      }
      case 'precision':
      case 'recall':
      case 'f1':
      case 'f1_macro':
      case 'f1_weighted':
        out[name] = PREDICTION_METRICS[name](y, predict!);
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
  if (oof.error_pairs.length && classes) {
    throw new Error(`oof.error_pairs names integer classes, but this dataset's classes are names (${listNames(classes)}); error analysis needs integer labels`);
  }
  if (oof.error_pairs.length) out.error_analysis = oof.error_pairs.map(([a, b]) => errorCells(y as Int32Array, predict as Int32Array, a, b, oof.error_examples));
  if (oof.threshold_for_precision !== undefined) out.threshold_for_precision = thresholdForPrecision(y as Int32Array, scores!, oof.threshold_for_precision);
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

/**
 * The confusion matrix with zero weight on correct predictions, normalised by row (true
 * class) or column (predicted class): what share of a class's errors went where.
 */
function normalizeErrors(matrix: number[][], by: 'rows' | 'cols'): number[][] {
  const errors = matrix.map((row, i) => row.map((v, j) => (i === j ? 0 : v)));
  const n = errors.length;
  const sums = Array.from({ length: n }, (_, k) => errors.reduce((s, row, i) => s + (by === 'rows' ? (i === k ? row.reduce((a, b) => a + b, 0) : 0) : row[k]), 0));
  return errors.map((row, i) => row.map((v, j) => {
    const total = by === 'rows' ? sums[i] : sums[j];
    return total === 0 ? 0 : v / total;
  }));
}

/** The seeds' error analysis for classes a and b: the first training rows of each of the four cells. */
function errorCells(y: Int32Array, pred: Int32Array, a: number, b: number, keep: number) {
  const cells: Record<'aa' | 'ab' | 'ba' | 'bb', number[]> = { aa: [], ab: [], ba: [], bb: [] };
  const counts = { aa: 0, ab: 0, ba: 0, bb: 0 };
  for (let i = 0; i < y.length; i++) {
    const t = y[i] === a ? 'a' : y[i] === b ? 'b' : null;
    const p = pred[i] === a ? 'a' : pred[i] === b ? 'b' : null;
    if (!t || !p) continue;
    const key = `${t}${p}` as keyof typeof cells;
    counts[key]++;
    if (cells[key].length < keep) cells[key].push(i);
  }
  return { a, b, counts, indices: cells };
}
