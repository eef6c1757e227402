import { Matrix } from '../matrix.js';
import { pairwiseSum } from './numpy-sum.js';
import { checkFinite, checkSameLength } from './validation.js';

function asColumns(y: Matrix | ArrayLike<number>): { data: ArrayLike<number>; rows: number; cols: number } {
  return y instanceof Matrix ? y : { data: y, rows: y.length, cols: 1 };
}

/**
 * Mean squared error as scikit-learn's `mean_squared_error` with
 * `multioutput='uniform_average'`: the per-output means of squared differences,
 * averaged over outputs. A vector is one output.
 *
 * @throws if the sample or output counts differ, inputs are empty, or values are not finite.
 */
export function meanSquaredError(yTrue: Matrix | ArrayLike<number>, yPred: Matrix | ArrayLike<number>): number {
  const t = asColumns(yTrue);
  const p = asColumns(yPred);
  checkSameLength(t.rows, p.rows);
  if (t.cols !== p.cols) {
    throw new RangeError(`y_true and y_pred have different number of outputs: ${t.cols} and ${p.cols}`);
  }
  checkFinite(t.data, 'y_true');
  checkFinite(p.data, 'y_pred');
  const { rows, cols } = t;
  const squared = new Float64Array(rows * cols);
  for (let i = 0; i < squared.length; i++) {
    const d = t.data[i] - p.data[i];
    squared[i] = d * d;
  }
  const perOutput = new Float64Array(cols);
  if (cols === 1) {
    perOutput[0] = pairwiseSum(squared) / rows;
  } else {
    // numpy reduces axis 0 of a C-ordered matrix row by row, i.e. sequentially per column.
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) perOutput[j] += squared[i * cols + j];
    for (let j = 0; j < cols; j++) perOutput[j] /= rows;
  }
  return pairwiseSum(perOutput) / cols;
}
