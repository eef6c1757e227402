/**
 * A small KNN sweep of 24 one-cell tasks (8 cells x 3 folds) on 2,000 MNIST images, a fraction
 * of a second each: seconds a sweep, so a fault lands mid-sweep. Shared by the fault tests and
 * the soak bench.
 */
export const smallKnnGrid = {
  name: 'rel',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { weights: ['uniform', 'distance'], n_neighbors: [1, 3, 5, 7] },
  cv: { n_splits: 3, subset: 2000 },
  refit: { subset: 2000 },
  group_cells: false,
};
