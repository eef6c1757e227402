import type { TargetSpec } from '../datasets/targets.js';
import type { ExperimentSpec } from '../spec/schema.js';
import type { SpecIssue } from '../spec/validate.js';

const FROM_PREDICTIONS = ['confusion_matrix', 'precision', 'recall', 'f1', 'f1_macro', 'f1_weighted'];
const FROM_SCORES = ['roc_auc', 'precision_recall_curve', 'roc_curve'];
const BINARY_ONLY = ['precision', 'recall', 'f1'];

/**
 * What out-of-fold metrics need from the outputs asked for, checked before any work is done:
 * class predictions (`predict`, or scores cut at `threshold`), positive-class scores
 * (`decision_function` or `predict_proba`), a binary target for the binary metrics.
 */
export function checkOof(oof: NonNullable<ExperimentSpec['oof']>, target: TargetSpec['kind']): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const scores = oof.methods.includes('decision_function') || oof.methods.includes('predict_proba');
  const predictions = oof.threshold !== undefined ? scores : oof.methods.includes('predict');
  const labels = target === 'binary' || target === 'multiclass';
  const needScores = 'oof.methods to include "decision_function" or "predict_proba"';
  if (oof.threshold !== undefined && !scores) issues.push({ path: 'oof.threshold', message: `needs ${needScores}` });
  for (const [i, name] of oof.metrics.entries()) {
    const path = `oof.metrics.${i}`;
    if (FROM_PREDICTIONS.includes(name) && !predictions) issues.push({ path, message: `${name} needs oof.methods to include "predict"` });
    if (FROM_SCORES.includes(name) && !scores) issues.push({ path, message: `${name} needs ${needScores}` });
    if (BINARY_ONLY.includes(name) && target !== 'binary') issues.push({ path, message: `${name} is for binary targets (dataset.target.kind "binary"); use f1_macro or f1_weighted` });
    if ((FROM_SCORES.includes(name) || name === 'confusion_matrix') && !labels) issues.push({ path, message: `${name} needs class labels, not a ${target} target` });
  }
  if (oof.error_pairs.length && !(predictions && labels)) issues.push({ path: 'oof.error_pairs', message: 'needs class-label predictions (oof.methods "predict", and a binary or multiclass target)' });
  if (oof.threshold_for_precision !== undefined && !scores) issues.push({ path: 'oof.threshold_for_precision', message: `needs ${needScores}` });
  return issues;
}
