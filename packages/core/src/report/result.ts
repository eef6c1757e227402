import type { Params } from '../estimators/base.js';
import type { CvResults, SearchSummary } from '../aggregate/aggregate.js';
import type { RefitResult } from '../refit/refit-and-test.js';

export type ExperimentStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/**
 * The result of an experiment: the same object from `gridfold run --local --json`, from
 * `gridfold run --json` through the API, and from `GET /api/experiments/:id` at the end.
 */
export interface ExperimentResult {
  id: string;
  name: string;
  status: ExperimentStatus;
  /** Why it failed, when it did. */
  error?: string;
  cv_results: CvResults | null;
  best_params: Params | null;
  best_score: number | null;
  best_index: number | null;
  /**
   * Class names when the dataset's labels were text (`["cat", "dog"]`), in scikit-learn's
   * LabelEncoder order (sorted by code point): the estimators learn classes 0, 1, ... and
   * `metrics.confusion_matrix_labels` and `test_examples` report them by these names. Absent
   * for integer labels (their own names) and binary targets (0 and 1); set by the refit, so
   * absent with `refit: false` too (the confusion matrix labels still carry the names).
   */
  classes?: string[];
  /** Metrics of the refit best estimator on the test split, e.g. `{accuracy: 0.9714}`. */
  test: Record<string, number> | null;
  /** The first test rows with input, target and the refit estimator's prediction (spec `refit.examples`). */
  test_examples?: RefitResult['examples'];
  /** Metrics from out-of-fold outputs (cross_val_predict), keyed by scikit-learn's names. */
  metrics: Record<string, unknown>;
  /** What came from the task cache: (fold, cell) results and the refit + test (whose times are then this run's look-ups). */
  cache?: { cells_reused: number; cells_total: number; refit_reused: boolean };
  /** Objectives' intermediate reports (`ctx.report`) per (cell, fold): learning curves. Absent when none reported. */
  curves?: SearchSummary['curves'];
  /** The refit objective's reports, [step, value]. */
  refit_curve?: RefitResult['curve'];
  /** Cells that failed (recorded per error_score), with fold and reason. */
  errors: SearchSummary['errors'];
  /**
   * Compute backends that ran, for estimators that report one (MLPClassifier: TensorFlow.js's
   * "tensorflow", "wasm" or "cpu"): every distinct one in cross-validation (workers on
   * different hosts may differ) and the refit's. Absent when no estimator reported one.
   */
  backend?: { cv: string[]; refit: string | null };
  /** Wall times of this run, milliseconds (cached parts take only their look-up). */
  timings: { total_ms: number; cv_ms: number; refit_ms: number; test_ms: number };
  tasks: { done: number; total: number };
}
