import { Matrix } from '../matrix.js';

/**
 * scikit-learn's `_ovr_decision_function`: one-vs-one results turned into one score per
 * class. Pair k = (i, j), in the order (0,1), (0,2), ..., (1,2), ...: `predictions` 0
 * votes for i, 1 for j; its confidence counts against i and for j. Each class scores its
 * votes plus `s / (3 (|s| + 1))` of its summed confidence `s`, which breaks vote ties
 * without ever outweighing one vote.
 * @param predictions - samples x pairs, 0 or 1
 * @param confidences - samples x pairs
 */
export function ovrDecisionFunction(predictions: Matrix, confidences: Matrix, nClasses: number): Matrix<Float64Array> {
  const n = predictions.rows;
  const pairs = predictions.cols;
  const votes = new Float64Array(n * nClasses);
  const sums = new Float64Array(n * nClasses);
  for (let r = 0; r < n; r++) {
    let k = 0;
    for (let i = 0; i < nClasses; i++) {
      for (let j = i + 1; j < nClasses; j++, k++) {
        const conf = confidences.data[r * pairs + k];
        sums[r * nClasses + i] -= conf;
        sums[r * nClasses + j] += conf;
        votes[r * nClasses + (predictions.data[r * pairs + k] === 0 ? i : j)] += 1;
      }
    }
  }
  for (let t = 0; t < n * nClasses; t++) votes[t] += sums[t] / (3 * (Math.abs(sums[t]) + 1));
  return new Matrix(votes, n, nClasses);
}

/** Index of the first largest value in each row (numpy's `argmax(axis=1)`). */
export function argmaxRows(scores: Matrix): Int32Array {
  const out = new Int32Array(scores.rows);
  for (let r = 0; r < scores.rows; r++) {
    let best = 0;
    for (let c = 1; c < scores.cols; c++) if (scores.data[r * scores.cols + c] > scores.data[r * scores.cols + best]) best = c;
    out[r] = best;
  }
  return out;
}
