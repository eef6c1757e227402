import type { NumericArray } from '../matrix.js';
import type { Neighbors } from './neighbors.js';

/** A candidate training row and its exact float64 squared distance to the query. */
export interface Ranked {
  index: number;
  sq: number;
}

/**
 * Exact squared distances from query row `row` of `queries` to the `candidates` rows of
 * `train` (width `d`), summed over `(q - t)^2` in float64 in column order (no
 * cancellation-prone norm expansion; exact for integer data), sorted by (distance, index).
 */
export function rankExactly(queries: NumericArray, row: number, train: NumericArray, d: number, candidates: ArrayLike<number>): Ranked[] {
  const ranked: Ranked[] = [];
  const q0 = row * d;
  for (let j = 0; j < candidates.length; j++) {
    const t0 = candidates[j] * d;
    let sq = 0;
    for (let i = 0; i < d; i++) {
      const diff = queries[q0 + i] - train[t0 + i];
      sq += diff * diff;
    }
    ranked.push({ index: candidates[j], sq });
  }
  return ranked.sort((a, b) => a.sq - b.sq || a.index - b.index);
}

/** The first `k` of a query's ranked candidates into row `row` of `out`. */
export function writeNeighbours(out: Neighbors, row: number, ranked: Ranked[], k: number): void {
  for (let j = 0; j < k; j++) {
    out.indices[row * k + j] = ranked[j].index;
    out.sqDistances[row * k + j] = ranked[j].sq;
  }
}
