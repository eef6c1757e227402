import { headSplit, type Dataset } from '../datasets/load.js';
import type { Estimator, Params } from '../estimators/base.js';
import { Pipeline } from '../estimators/pipeline.js';
import { buildEstimator } from '../estimators/registry.js';
import type { Transformer } from '../estimators/transformer.js';
import { Matrix, takeTarget, type Target } from '../matrix.js';
import { makeSplitter } from '../splitters/index.js';
import { RandomState } from '../estimators/legacy-random.js';
import type { ExperimentSpec } from '../spec/schema.js';
import type { Plan, ResolvedCv, Task } from './plan.js';
import { SCORERS, score } from './scorers.js';

/** The outcome of one grid cell on one fold. Times in milliseconds. */
export interface CellResult {
  cell: number;
  /** Test score on the fold; the spec's error_score (NaN as null) when the fit failed. */
  test_score: number | null;
  fit_ms: number;
  score_ms: number;
  /** Why the cell failed, when it did. */
  error?: string;
  /** The compute backend the fit ran on, for estimators that have one (MLPClassifier: TensorFlow.js's). */
  backend?: string;
  /** True when this result was reused from the task cache instead of computed. */
  cached?: boolean;
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

/** Options for {@link fitAndScore}. */
export interface FitAndScoreOptions {
  /** Called with a fraction in [0, 1] as cells finish, and as epochs finish for estimators that train in epochs. */
  onProgress?: (fraction: number) => void;
}

/**
 * Fits and scores one task: rebuilds the fold from the spec (nothing but indices travel),
 * fits each cell (or one shared fit for a group) and scores it. A failing cell is a
 * recorded result per `error_score`, unless that is "raise".
 */
export async function fitAndScore(spec: ExperimentSpec, dataset: Dataset, plan: Plan, task: Task, options: FitAndScoreOptions = {}): Promise<TaskResult> {
  const started = performance.now();
  if (!plan.cv) throw new Error('fitAndScore needs a plan with cross-validation');
  const { train, test } = foldData(dataset, plan.cv, task.fold);
  const cellParams = task.cells.map((c) => plan.grid.at(c));
  if (task.cells.length > 1) {
    const cells = spec.estimator.name === 'Pipeline' ? await scorePipelineShared(spec, cellParams, task.cells, train, test) : await scoreShared(spec, cellParams, task.cells, train, test);
    return { task: task.index, fold: task.fold, cells, ms: performance.now() - started };
  }
  const cells: CellResult[] = [];
  let oof: OofOutputs | undefined;
  for (const [i, cell] of task.cells.entries()) {
    const onFit = options.onProgress && ((f: number) => options.onProgress!((i + f) / task.cells.length));
    const outcome = await scoreCell(spec, cellParams[i], cell, train, test, Boolean(spec.oof), onFit);
    cells.push(outcome.result);
    oof ??= outcome.oof;
    options.onProgress?.((i + 1) / task.cells.length);
  }
  return { task: task.index, fold: task.fold, cells, oof, ms: performance.now() - started };
}

interface FoldData {
  train: { X: Matrix; y: Target };
  test: { X: Matrix; y: Target; indices: Int32Array };
}

/** Rebuilds fold `fold` deterministically from the CV settings. */
export function foldData(dataset: Dataset, cv: ResolvedCv, fold: number): FoldData {
  const data = headSplit(dataset.train, cv.subset);
  const splitter = makeSplitter(cv);
  const folds = splitter.split(data.y instanceof Matrix ? data.X.rows : data.y);
  let { train, test } = folds[fold];
  if (cv.resample) {
    const fraction = cv.resample.n_resources / cv.resample.n_samples;
    train = resampleIndices(train, Math.trunc(fraction * train.length), cv.resample.random_state);
    test = resampleIndices(test, Math.trunc(fraction * test.length), cv.resample.random_state);
  }
  return {
    train: { X: data.X.take(train), y: takeTarget(data.y, train) },
    test: { X: data.X.take(test), y: takeTarget(data.y, test), indices: test },
  };
}

/** Fits and scores one cell; with `withOof`, the same fitted estimator also gives the out-of-fold outputs. */
/**
 * scikit-learn's `resample(idx, replace=False, n_samples=n, random_state=seed)`: a fresh
 * numpy RandomState(seed) shuffles positions, the first n are kept (in shuffled order).
 */
export function resampleIndices(idx: Int32Array, n: number, seed: number): Int32Array {
  const rng = new RandomState(seed);
  const order = Int32Array.from({ length: idx.length }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.randint(0, i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return Int32Array.from(order.subarray(0, n), (i) => idx[i]);
}

async function scoreCell(
  spec: ExperimentSpec,
  params: Params,
  cell: number,
  train: FoldData['train'],
  test: FoldData['test'],
  withOof = false,
  onFit?: (fraction: number) => void,
): Promise<{ result: CellResult; oof?: OofOutputs }> {
  const scorer = SCORERS[spec.scoring];
  let fitMs = 0;
  const t0 = performance.now();
  try {
    const est = buildEstimator(spec.estimator, params);
    const final = finalStep(est);
    if (onFit && 'onEpoch' in final) final.onEpoch = (epoch, maxEpochs) => onFit(epoch / maxEpochs);
    await est.fit(train.X, train.y);
    fitMs = performance.now() - t0;
    const t1 = performance.now();
    // When the out-of-fold outputs include predictions, the score is computed from the same ones.
    const predictions = withOof && scorer.needs === 'predict' && spec.oof?.methods.includes('predict') ? await est.predict(test.X) : undefined;
    const s = predictions ? scorer.fromOutput(test.y, predictions) : await score(scorer, est, test.X, test.y);
    const backend = fittedBackend(est);
    const result = { cell, test_score: s, fit_ms: fitMs, score_ms: performance.now() - t1, ...(backend && { backend }) };
    return { result, oof: withOof ? await outOfFold(spec, est, test, predictions) : undefined };
  } catch (err) {
    return { result: failed(spec, cell, err, fitMs || performance.now() - t0) };
  }
}

/** One fit and one neighbour search for all cells of a group (see `shareKey`). */
async function scoreShared(spec: ExperimentSpec, paramsList: Params[], cells: number[], train: FoldData['train'], test: FoldData['test']): Promise<CellResult[]> {
  const scorer = SCORERS[spec.scoring];
  const t0 = performance.now();
  const maxK = Math.max(...paramsList.map((p) => Number(p.n_neighbors ?? spec.estimator.params?.n_neighbors ?? 5)));
  try {
    const est = buildEstimator(spec.estimator, { ...paramsList[0], n_neighbors: maxK }) as Estimator & {
      predictMany(X: Matrix, params: Params[]): Promise<Target[]>;
    };
    await est.fit(train.X, train.y);
    const fitMs = (performance.now() - t0) / cells.length;
    const t1 = performance.now();
    const preds = await est.predictMany(test.X, paramsList);
    const scores = preds.map((p) => scorer.fromOutput(test.y, p));
    const scoreMs = (performance.now() - t1) / cells.length;
    return cells.map((cell, i) => ({ cell, test_score: scores[i], fit_ms: fitMs, score_ms: scoreMs }));
  } catch (err) {
    // One bad cell must not sink its group: score the cells one by one to find which fail.
    if (spec.error_score === 'raise') throw err;
    const out: CellResult[] = [];
    for (const [i, cell] of cells.entries()) out.push((await scoreCell(spec, paramsList[i], cell, train, test)).result);
    return out;
  }
}

/** What fitAndScore reads from, or sets on, the estimator doing the fitting, when it has it. */
interface FitHooks {
  /** Called after each epoch (MLPClassifier). */
  onEpoch?: (epoch: number, maxEpochs: number) => void;
  /** The compute backend of the last fit (MLPClassifier: "tensorflow", "wasm" or "cpu"). */
  backend?: string;
}

/** A Pipeline's last step, else the estimator itself. */
function finalStep(est: Estimator): Estimator & FitHooks {
  return est instanceof Pipeline ? finalStep(est.steps[est.steps.length - 1][1] as Estimator) : est;
}

/** The compute backend a fitted estimator (or its Pipeline's last step) reports, if any. */
export function fittedBackend(est: Estimator): string | undefined {
  const backend = finalStep(est).backend;
  return typeof backend === 'string' ? backend : undefined;
}

/**
 * One transformer fit for all cells of a pipeline group (they differ only in the final
 * step's params): fit and apply the transformers once, then fit and score each final step.
 */
async function scorePipelineShared(spec: ExperimentSpec, paramsList: Params[], cells: number[], train: FoldData['train'], test: FoldData['test']): Promise<CellResult[]> {
  const scorer = SCORERS[spec.scoring];
  const t0 = performance.now();
  const first = buildEstimator(spec.estimator, paramsList[0]) as Pipeline;
  let Xtr: Matrix = train.X;
  let Xte: Matrix = test.X;
  for (const [, step] of first.steps.slice(0, -1)) {
    Xtr = await (step as Transformer).fitTransform(Xtr, train.y);
    Xte = await (step as Transformer).transform(Xte);
  }
  const sharedMs = (performance.now() - t0) / cells.length;
  const out: CellResult[] = [];
  for (const [i, cell] of cells.entries()) {
    const t1 = performance.now();
    try {
      const pipeline = buildEstimator(spec.estimator, paramsList[i]) as Pipeline;
      const final = pipeline.steps[pipeline.steps.length - 1][1] as Estimator;
      await final.fit(Xtr, train.y);
      const fitMs = sharedMs + performance.now() - t1;
      const t2 = performance.now();
      const s = await score(scorer, final, Xte, test.y);
      out.push({ cell, test_score: s, fit_ms: fitMs, score_ms: performance.now() - t2 });
    } catch (err) {
      out.push(failed(spec, cell, err, sharedMs + performance.now() - t1));
    }
  }
  return out;
}

function failed(spec: ExperimentSpec, cell: number, err: unknown, fitMs: number): CellResult {
  if (spec.error_score === 'raise') throw err;
  const message = err instanceof Error ? err.message : String(err);
  return { cell, test_score: spec.error_score, fit_ms: fitMs, score_ms: 0, error: message };
}

async function outOfFold(spec: ExperimentSpec, fitted: Estimator, test: FoldData['test'], predictions?: Target): Promise<OofOutputs> {
  const est = fitted as Estimator & {
    decisionFunction?: (X: Matrix) => Promise<Matrix<Float64Array>>;
    predictProba?: (X: Matrix) => Promise<Matrix<Float64Array>>;
  };
  const out: OofOutputs = { indices: Array.from(test.indices) };
  for (const method of spec.oof?.methods ?? []) {
    if (method === 'predict') out.predict = toJson(predictions ?? (await est.predict(test.X)));
    else if (method === 'decision_function') {
      if (!est.decisionFunction) throw new Error(`${est.name} has no decision_function`);
      out.decision_function = rowsOf(await est.decisionFunction(test.X));
    } else {
      if (!est.predictProba) throw new Error(`${est.name} has no predict_proba`);
      out.predict_proba = rowsOf(await est.predictProba(test.X));
    }
  }
  return out;
}

function toJson(t: Target): number[] | number[][] {
  return t instanceof Matrix ? rowsOf(t) : Array.from(t);
}

function rowsOf(m: Matrix): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < m.rows; i++) rows.push(Array.from(m.row(i)));
  return rows;
}
