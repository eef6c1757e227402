/** The outcome of one grid cell on one fold. Times in milliseconds. */
export interface CellResult {
  cell: number;
  /** Test score on the fold; the spec's error_score (NaN as null) when the fit failed. */
  test_score: number | null;
  /** Fit time; cells that share a fit each carry an equal share of it, plus their own part. */
  fit_ms: number;
  score_ms: number;
  /** Why the cell failed, when it did. */
  error?: string;
  /** The compute backend the fit ran on, for estimators that have one (MLPClassifier: TensorFlow.js's). */
  backend?: string;
  /** True when this result was reused from the task cache instead of computed. */
  cached?: boolean;
  /** An objective's named metrics besides its score. */
  metrics?: Record<string, number>;
  /** An objective's intermediate reports, [step, value] in step order (its learning curve on this fold). */
  curve?: Array<[number, number]>;
}

/** Out-of-fold outputs of a task, rows in the order of `indices` (the fold's test rows). */
export interface OofOutputs {
  indices: number[];
  predict?: number[] | number[][];
  decision_function?: number[][];
  predict_proba?: number[][];
}

/** Plain, JSON-serialisable result of one task: what a worker stores. */
export interface TaskResult {
  task: number;
  fold: number;
  cells: CellResult[];
  oof?: OofOutputs;
  /** Wall time of the whole task, milliseconds. */
  ms: number;
}
