import type { NumericArray } from '../../matrix.js';
import type { TreeArrays } from './build-tree.js';

/** Rows walked through every tree at a time (256 MNIST rows: 200 KB). */
const PREDICT_BLOCK = 256;

/**
 * Adds every tree's leaf class fractions, tree after tree, to `out[i * nClasses + c]` for
 * rows `[rowStart, rowEnd)` of `x` (row-major, `cols` per row). Blocks of rows stay in
 * cache while every tree walks them.
 */
export function accumulateProba(
  trees: TreeArrays[],
  x: NumericArray,
  cols: number,
  C: number,
  rowStart: number,
  rowEnd: number,
  out: Float64Array,
): void {
  for (let i0 = rowStart; i0 < rowEnd; i0 += PREDICT_BLOCK) {
    const i1 = Math.min(rowEnd, i0 + PREDICT_BLOCK);
    for (const { feature, threshold, left, right, proba } of trees) {
      for (let i = i0; i < i1; i++) {
        const off = i * cols;
        let node = 0;
        // scikit-learn compares float32 values with float64 thresholds.
        while (left[node] !== -1) node = Math.fround(x[off + feature[node]]) <= threshold[node] ? left[node] : right[node];
        const o = i * C, q = node * C;
        for (let c = 0; c < C; c++) out[o + c] += proba[q + c];
      }
    }
  }
}
