import { describe, expect, it } from 'vitest';
import { ParameterGrid } from '../../src/search/parameter-grid.js';

describe('ParameterGrid', () => {
  it('orders cells as scikit-learn does: keys sorted, last key fastest', () => {
    // Seed 003's grid; scikit-learn 1.2.1 list(ParameterGrid(...)) prints this order.
    const grid = new ParameterGrid([{ weights: ['uniform', 'distance'], n_neighbors: [3, 4, 5, 6] }]);
    expect(grid.size).toBe(8);
    expect(Array.from(grid)).toEqual([
      { n_neighbors: 3, weights: 'uniform' },
      { n_neighbors: 3, weights: 'distance' },
      { n_neighbors: 4, weights: 'uniform' },
      { n_neighbors: 4, weights: 'distance' },
      { n_neighbors: 5, weights: 'uniform' },
      { n_neighbors: 5, weights: 'distance' },
      { n_neighbors: 6, weights: 'uniform' },
      { n_neighbors: 6, weights: 'distance' },
    ]);
  });

  it('concatenates a list of dicts and treats no grid as one empty cell', () => {
    const grid = new ParameterGrid([{ a: [1, 2] }, { b: ['x'] }]);
    expect(Array.from(grid)).toEqual([{ a: 1 }, { a: 2 }, { b: 'x' }]);
    expect(grid.paramNames).toEqual(['a', 'b']);
    expect(Array.from(new ParameterGrid(undefined))).toEqual([{}]);
  });

  it('rejects empty value lists and out-of-range cells, naming them', () => {
    expect(() => new ParameterGrid({ alpha: [] })).toThrow('param_grid.alpha must be a non-empty list, got []');
    expect(() => new ParameterGrid({ a: [1] }).at(3)).toThrow('grid cell must be an integer in [0, 0], got 3');
  });
});
