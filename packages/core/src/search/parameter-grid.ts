import type { Params, ParamValue } from '../estimators/base.js';

/** scikit-learn's param_grid: one dict of lists, or a list of such dicts. */
export type ParamGridSpec = Record<string, ParamValue[]> | Array<Record<string, ParamValue[]>>;

/** The candidates of a search, in cv_results row order: a grid, or random draws. */
export interface Candidates {
  readonly size: number;
  at(i: number): Params;
  readonly paramNames: string[];
  [Symbol.iterator](): IterableIterator<Params>;
}

/**
 * Number of cells of a param_grid, by arithmetic alone (no cell is made): the sum over its
 * dicts of the product of their list lengths. Can exceed 2**53 (then inexact) or be Infinity.
 */
export function gridSize(grid: ParamGridSpec | undefined): number {
  return gridDicts(grid).reduce((n, dict) => n + cellsOf(dict), 0);
}

function gridDicts(grid: ParamGridSpec | undefined): Array<Record<string, ParamValue[]>> {
  return grid === undefined ? [{}] : Array.isArray(grid) ? grid : [grid];
}

function cellsOf(dict: Record<string, ParamValue[]>): number {
  return Object.values(dict).reduce((n, values) => n * values.length, 1);
}

/**
 * scikit-learn's ParameterGrid: the cells of a grid in scikit-learn's order (dicts in the
 * given order; within one, keys sorted and the last key varying fastest), so cell `i` here
 * is row `i` of scikit-learn's cv_results_.
 */
export class ParameterGrid implements Candidates {
  private readonly dicts: Array<{ keys: string[]; values: ParamValue[][]; size: number }>;
  /** Number of cells. */
  readonly size: number;

  constructor(grid: ParamGridSpec | undefined) {
    this.dicts = gridDicts(grid).map((dict) => {
      const keys = Object.keys(dict).sort();
      for (const k of keys) {
        if (!Array.isArray(dict[k]) || dict[k].length === 0) throw new RangeError(`param_grid.${k} must be a non-empty list, got ${JSON.stringify(dict[k])}`);
      }
      return { keys, values: keys.map((k) => dict[k]), size: cellsOf(dict) };
    });
    this.size = this.dicts.reduce((n, d) => n + d.size, 0);
  }

  /** The params of cell `i` (0 <= i < size). */
  at(i: number): Params {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`grid cell must be an integer in [0, ${this.size - 1}], got ${i}`);
    let rest = i;
    for (const d of this.dicts) {
      if (rest >= d.size) {
        rest -= d.size;
        continue;
      }
      const out: Params = {};
      for (let k = d.keys.length - 1; k >= 0; k--) {
        const vals = d.values[k];
        out[d.keys[k]] = vals[rest % vals.length];
        rest = Math.floor(rest / vals.length);
      }
      return Object.fromEntries(d.keys.map((k) => [k, out[k]]));
    }
    throw new RangeError(`grid cell ${i} out of range`);
  }

  /** Every parameter name used by some cell, sorted. */
  get paramNames(): string[] {
    return [...new Set(this.dicts.flatMap((d) => d.keys))].sort();
  }

  *[Symbol.iterator](): IterableIterator<Params> {
    for (let i = 0; i < this.size; i++) yield this.at(i);
  }
}
