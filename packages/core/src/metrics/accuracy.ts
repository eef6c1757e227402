import type { Target } from '../matrix.js';
import { checkTargets } from './validation.js';

/**
 * Fraction of samples whose prediction is exactly right, as scikit-learn's
 * `accuracy_score`: for multilabel matrices a row counts only if every column matches
 * (subset accuracy).
 *
 * @throws if lengths differ, inputs are empty, or the target kinds are mixed.
 */
export function accuracyScore(yTrue: Target, yPred: Target): number {
  const t = checkTargets(yTrue, yPred);
  let correct = 0;
  if (t.kind === 'multilabel-indicator') {
    const cols = t.yTrue.cols;
    for (let i = 0; i < t.yTrue.rows; i++) {
      let same = true;
      for (let j = 0; j < cols && same; j++) same = t.yTrue.data[i * cols + j] === t.yPred.data[i * cols + j];
      if (same) correct++;
    }
    return correct / t.yTrue.rows;
  }
  for (let i = 0; i < t.yTrue.length; i++) if (t.yTrue[i] === t.yPred[i]) correct++;
  return correct / t.yTrue.length;
}
