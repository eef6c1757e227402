/** Specs offered by the launch form: small quick ones first, then the seed specs of experiments/. */

const quick: Record<string, object> = {
  'knn-grid-2000 (quick: weights x n_neighbors, 2,000 images, cv=3)': {
    name: 'knn-grid-2000',
    dataset: { source: 'mnist' },
    estimator: { name: 'KNeighborsClassifier' },
    param_grid: [{ weights: ['uniform', 'distance'], n_neighbors: [3, 4, 5] }],
    cv: { n_splits: 3, subset: 2000 },
    scoring: 'accuracy',
    refit: { subset: 2000, metrics: ['accuracy', 'f1_macro'] },
  },
  'knn-5-detector-2000 (quick: PR, ROC, confusion matrices)': {
    name: 'knn-5-detector-2000',
    dataset: { source: 'mnist', target: { kind: 'binary', positive: 5 } },
    estimator: { name: 'KNeighborsClassifier', params: { n_neighbors: 10 } },
    cv: { n_splits: 3, subset: 2000 },
    refit: false,
    oof: {
      methods: ['predict', 'predict_proba'],
      metrics: ['confusion_matrix', 'precision', 'recall', 'f1', 'roc_auc', 'precision_recall_curve', 'roc_curve'],
      confusion_normalize: ['true', 'pred'],
      threshold_for_precision: 0.9,
    },
  },
  'knn-errors-2000 (quick: 10-class confusion, 3 vs 5 digits)': {
    name: 'knn-errors-2000',
    dataset: { source: 'mnist' },
    estimator: { name: 'KNeighborsClassifier' },
    cv: { n_splits: 3, subset: 2000 },
    refit: false,
    oof: { methods: ['predict'], metrics: ['confusion_matrix', 'f1_macro'], confusion_normalize: ['true', 'pred', 'errors_true', 'errors_pred'], error_pairs: [[3, 5]] },
  },
};

const seeds = import.meta.glob<{ default: object }>('../../../../experiments/*.json', { eager: true });

/** Example specs by label. */
export const EXAMPLES: Record<string, object> = {
  ...quick,
  ...Object.fromEntries(Object.entries(seeds).map(([path, mod]) => [`${path.split('/').pop()} (seed)`, mod.default])),
};
