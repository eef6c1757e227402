import type { Dataset } from '../datasets/load.js';
import type { Params } from '../estimators/base.js';
import { buildEstimator } from '../estimators/registry.js';
import { Matrix, type NumericArray, type Target } from '../matrix.js';
import { SCORERS, scorerOutput } from '../metrics/scorers.js';
import type { Plan, Task } from '../plan/plan.js';
import { foldData, type FoldData } from '../splitters/fold-data.js';
import { decodeOof, encodeOof } from './oof-codec.js';
import { checkScore, failed, fittedBackend, startSharedFit } from './fit-and-score.js';
import { outOfFold } from './out-of-fold.js';
import type { CellResult, OofOutputs, TaskResult } from './task-result.js';

/**
 * A task split by its queries ("few heavy folds", issue #17): part `index` of `count` fits on
 * the fold's full training rows and predicts only its contiguous slice of the fold's test rows.
 * Worth it only where the cost is in the queries (KNN stores its training rows: its fit is a
 * copy, its predictions are the neighbour search), so a cv=3 KNN fold can keep two workers busy.
 */
export interface TaskPart {
  index: number;
  count: number;
}

/** Largest number of parts a task is split into. */
export const MAX_TASK_PARTS = 16;

/** What one part computed for one cell: the output the scorer needs on the part's slice, or the cell's error. */
export interface PartCell {
  cell: number;
  /** The fit's time (each part fits the whole training set). */
  fit_ms: number;
  /** The time of the part's outputs (scorer's and out-of-fold). */
  score_ms: number;
  /** `predict` (labels, or a matrix for multilabel) or `decision_function` on the slice, per `SCORERS[plan.scoring].needs`. */
  output?: Target;
  error?: string;
  backend?: string;
}

/** One part's outputs: per cell, and the out-of-fold outputs of its slice (single-cell tasks, as fitAndScore). */
export interface PartResult {
  task: number;
  fold: number;
  part: TaskPart;
  /** The slice of the fold's test rows, [start, end). */
  rows: [number, number];
  /** The estimator's name (a merged score that is not a number fails its cell naming it). */
  name: string;
  cells: PartCell[];
  oof?: OofOutputs;
  ms: number;
}

/** Estimators whose cost is in their queries declare it: `static splitsQueries = true` (KNeighborsClassifier). */
interface SplitsQueries {
  splitsQueries?: boolean;
}

/**
 * Whether a plan's tasks may be split by their queries: a cross-validated grid or random search
 * whose estimator (itself, not a Pipeline or an objective) declares `static splitsQueries`.
 * Objectives and plugins never split unless their class opts in.
 */
export function splitsQueries(plan: Plan): boolean {
  if (!plan.cv || (plan.search.kind !== 'grid' && plan.search.kind !== 'random') || plan.tasks.length === 0) return false;
  try {
    const est = buildEstimator(plan.estimator, plan.grid.at(plan.tasks[0].cells[0]));
    return (est.constructor as SplitsQueries).splitsQueries === true;
  } catch {
    return false;
  }
}

/**
 * How many parts each task should have so that `slots` concurrent jobs finish `tasks` equal
 * tasks soonest: the smallest p (up to `max`) minimising ceil(tasks·p / slots) / p, the
 * makespan in task-times. cv=3 on 2 slots: p = 2 (1.5 task-times instead of 2: the third
 * task no longer runs alone); 10 tasks on 2 slots: p = 1 (already balanced). This is better
 * than splitting only when tasks < slots, which leaves 3 tasks on 2 slots unbalanced.
 */
export function partsFor(tasks: number, slots: number, max = MAX_TASK_PARTS): number {
  if (tasks <= 0 || slots <= 1) return 1;
  let best = 1;
  let bestSpan = Math.ceil(tasks / slots);
  for (let p = 2; p <= max; p++) {
    const span = Math.ceil((tasks * p) / slots) / p;
    if (span < bestSpan - 1e-9) [best, bestSpan] = [p, span];
  }
  return best;
}

/** Fewest test rows a part gets when the split is automatic: below that, a job's overhead outweighs its share of the search. */
export const MIN_PART_ROWS = 2000;

/**
 * Parts per task when the spec leaves it to gridfold (`split_queries` "auto"): 1 unless the
 * estimator splits its queries and the cross-validation rows are known from the spec (MNIST's
 * 60,000, or `cv.subset`); then {@link partsFor} the live worker slots, with at least
 * {@link MIN_PART_ROWS} test rows a part.
 */
export function autoTaskParts(plan: Plan, slots: number): number {
  // A batch's cells are single fits, one after another: its queries are not split.
  if (!plan.cv || plan.batchSize > 1 || !splitsQueries(plan)) return 1;
  const all = plan.dataset.source === 'mnist' ? 60_000 : null;
  const rows = plan.cv.subset != null ? Math.min(plan.cv.subset, all ?? plan.cv.subset) : all;
  if (rows == null) return 1;
  const max = Math.min(MAX_TASK_PARTS, Math.floor(rows / plan.cv.n_splits / MIN_PART_ROWS));
  return max < 2 ? 1 : partsFor(plan.tasks.length, slots, max);
}

/** The slice [start, end) of `n` test rows that part `index` of `count` predicts: contiguous, sizes differing by one at most. */
export function partRows(n: number, part: TaskPart): [number, number] {
  return [Math.floor((n * part.index) / part.count), Math.floor((n * (part.index + 1)) / part.count)];
}

const range = (start: number, end: number) => Int32Array.from({ length: end - start }, (_, i) => start + i);

/**
 * Part `part` of a task: fits each cell (a group's shared step once, as fitAndScore) on the
 * fold's training rows and computes, on the part's slice of its test rows, what the scorer
 * needs and the plan's out-of-fold outputs. {@link mergeParts} turns the parts into the task's
 * result. A failing cell is recorded per cell, unless the plan's error_score is "raise".
 */
export async function fitAndScorePart(plan: Plan, dataset: Dataset, task: Task, part: TaskPart): Promise<PartResult> {
  const started = performance.now();
  if (!plan.cv) throw new Error('fitAndScorePart needs a plan with cross-validation');
  const fold = foldData(dataset, plan.cv, task.fold);
  const rows = partRows(fold.test.X.rows, part);
  const at = range(rows[0], rows[1]);
  const slice: FoldData = { train: fold.train, test: { X: fold.test.X.take(at), y: fold.test.y, indices: fold.test.indices.subarray(rows[0], rows[1]) } };
  const paramsList = task.cells.map((c) => plan.grid.at(c));
  const name = buildEstimator(plan.estimator, paramsList[0]).name;
  let cells: PartCell[];
  let oof: OofOutputs | undefined;
  if (task.cells.length > 1) cells = await partGroup(plan, paramsList, task.cells, slice);
  else {
    const one = await partCell(plan, paramsList[0], task.cells[0], slice, true);
    cells = [one.cell];
    oof = one.oof;
  }
  return { task: task.index, fold: task.fold, part, rows, name, cells, ...(oof && { oof }), ms: performance.now() - started };
}

function failedPart(plan: Plan, cell: number, err: unknown, fitMs: number): PartCell {
  if (plan.errorScore === 'raise') throw err;
  return { cell, fit_ms: fitMs, score_ms: 0, error: err instanceof Error ? err.message : String(err) };
}

async function partCell(plan: Plan, params: Params, cell: number, fold: FoldData, withOof: boolean): Promise<{ cell: PartCell; oof?: OofOutputs }> {
  const t0 = performance.now();
  let fitMs = 0;
  try {
    const est = buildEstimator(plan.estimator, params);
    await est.fit(fold.train.X, fold.train.y);
    fitMs = performance.now() - t0;
    const t1 = performance.now();
    const output = await scorerOutput(SCORERS[plan.scoring], est, fold.test.X);
    // As fitAndScore: predictions the score needs are the out-of-fold ones too.
    const predictions = SCORERS[plan.scoring].needs === 'predict' ? output : undefined;
    const oof = withOof && plan.oof ? await outOfFold(plan.oof, est, fold.test.X, fold.test.indices, predictions) : undefined;
    const backend = fittedBackend(est);
    return { cell: { cell, fit_ms: fitMs, score_ms: performance.now() - t1, output, ...(backend && { backend }) }, oof };
  } catch (err) {
    return { cell: failedPart(plan, cell, err, fitMs || performance.now() - t0) };
  }
}

/** A group of cells sharing a fit, as fitAndScore's scoreGroup: the shared step once (a failing one: the cells one by one), then each cell's output. */
async function partGroup(plan: Plan, paramsList: Params[], cells: number[], fold: FoldData): Promise<PartCell[]> {
  const started = await startSharedFit(plan, paramsList, fold);
  if (!started) {
    const out: PartCell[] = [];
    for (const [i, cell] of cells.entries()) out.push((await partCell(plan, paramsList[i], cell, fold, false)).cell);
    return out;
  }
  const { shared, sharedMs } = started;
  const out: PartCell[] = [];
  for (const [i, cell] of cells.entries()) {
    const t1 = performance.now();
    let fitMs = sharedMs;
    try {
      const est = await shared.fitCell(i);
      fitMs += performance.now() - t1;
      const t2 = performance.now();
      const output = await scorerOutput(SCORERS[plan.scoring], est, fold.test.X);
      out.push({ cell, fit_ms: fitMs, score_ms: performance.now() - t2, output });
    } catch (err) {
      out.push(failedPart(plan, cell, err, fitMs + (performance.now() - t1)));
    }
  }
  return out;
}

function concatTarget(outputs: Target[]): Target {
  const first = outputs[0];
  if (!(first instanceof Matrix)) {
    const out = new Int32Array(outputs.reduce((n, o) => n + (o as Int32Array).length, 0));
    let at = 0;
    for (const o of outputs as Int32Array[]) (out.set(o, at), (at += o.length));
    return out;
  }
  const ms = outputs as Matrix[];
  const Ctor = first.data.constructor as new (n: number) => NumericArray;
  const rows = ms.reduce((n, m) => n + m.rows, 0);
  const data = new Ctor(rows * first.cols);
  let at = 0;
  for (const m of ms) (data.set(m.data, at), (at += m.data.length));
  return new Matrix(data, rows, first.cols);
}

function concatOof(parts: OofOutputs[]): OofOutputs {
  const out: OofOutputs = { indices: parts.flatMap((p) => p.indices) };
  for (const key of ['predict', 'decision_function', 'predict_proba'] as const) {
    if (parts[0][key]) (out as unknown as Record<string, unknown[]>)[key] = parts.flatMap((p) => p[key] as unknown[]);
  }
  return out;
}

/**
 * The task's result from all its parts (any order): each cell's outputs concatenated in slice
 * order and scored with `scorer.fromOutput` on the fold's test targets, so the scores are
 * those fitAndScore gives, bit for bit, and so are the out-of-fold outputs. A cell that failed
 * in any part fails (the first part's error). `fit_ms` is the mean of the parts' fit times
 * (each part fitted the whole training set: one fit's time), `score_ms` the sum of their
 * output times (the whole test set scored once, in slices), `ms` the longest part's.
 * @throws Error when the parts are not exactly parts 0..count-1 of the task
 */
export function mergeParts(plan: Plan, dataset: Dataset, task: Task, parts: PartResult[]): TaskResult {
  if (!plan.cv) throw new Error('mergeParts needs a plan with cross-validation');
  const sorted = [...parts].sort((a, b) => a.part.index - b.part.index);
  const count = sorted[0]?.part.count ?? 0;
  if (sorted.length !== count || sorted.some((p, i) => p.part.index !== i || p.part.count !== count || p.task !== task.index)) {
    throw new Error(`task ${task.index} needs its ${count} parts, got parts ${sorted.map((p) => p.part.index).join(',')}`);
  }
  const y = foldData(dataset, plan.cv, task.fold).test.y;
  const scorer = SCORERS[plan.scoring];
  const cells: CellResult[] = task.cells.map((cell, i) => {
    const mine = sorted.map((p) => p.cells[i]);
    if (mine.some((c) => c?.cell !== cell)) throw new Error(`task ${task.index}: the parts disagree on cell ${cell}`);
    const fitMs = mine.reduce((s, c) => s + c.fit_ms, 0) / mine.length;
    const failedOne = mine.find((c) => c.error !== undefined);
    if (failedOne) return { cell, test_score: plan.errorScore === 'raise' ? null : plan.errorScore, fit_ms: fitMs, score_ms: 0, error: failedOne.error };
    const t0 = performance.now();
    const s = scorer.fromOutput(y, concatTarget(mine.map((c) => c.output!)));
    const scoreMs = mine.reduce((t, c) => t + c.score_ms, 0) + performance.now() - t0;
    try {
      checkScore(sorted[0].name, plan, s);
    } catch (err) {
      return failed(plan, cell, err, fitMs);
    }
    return { cell, test_score: s, fit_ms: fitMs, score_ms: scoreMs, ...(mine[0].backend && { backend: mine[0].backend }) };
  });
  const oofs = sorted.map((p) => p.oof);
  const oof = oofs.every((o) => o !== undefined) && oofs.length ? concatOof(oofs as OofOutputs[]) : undefined;
  return { task: task.index, fold: task.fold, cells, ...(oof && { oof }), ms: Math.max(...sorted.map((p) => p.ms)) };
}

/** An output's binary form in {@link encodePart}: typed array name, rows, columns (null: labels), byte offset. */
interface OutputHeader {
  type: string;
  rows: number;
  cols: number | null;
  at: number;
  bytes: number;
}

const ARRAYS: Record<string, new (buffer: ArrayBuffer) => NumericArray> = { Float64Array, Float32Array, Uint8Array, Uint16Array, Int32Array };

/**
 * A part as bytes for Redis: the header's length (uint32, little-endian), the header (JSON: the
 * part without its outputs, each output's type and place), then each output's raw elements and
 * the out-of-fold outputs as `encodeOof` bytes. Raw elements decode to the same values bit for bit.
 */
export function encodePart(p: PartResult): Uint8Array {
  const blobs: Uint8Array[] = [];
  let at = 0;
  const add = (b: Uint8Array) => {
    blobs.push(b);
    const start = at;
    at += b.length;
    return start;
  };
  const cells = p.cells.map(({ output, ...rest }) => {
    if (!output) return rest;
    const data = output instanceof Matrix ? output.data : output;
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    const out: OutputHeader = { type: data.constructor.name, rows: output instanceof Matrix ? output.rows : output.length, cols: output instanceof Matrix ? output.cols : null, at: 0, bytes: bytes.length };
    out.at = add(bytes);
    return { ...rest, out };
  });
  const oof = p.oof ? encodeOof(p.oof) : null;
  const oofAt = oof ? add(oof) : -1;
  const header = new TextEncoder().encode(JSON.stringify({ ...p, cells, oof: oof ? { at: oofAt, bytes: oof.length } : null }));
  const bytes = new Uint8Array(4 + header.length + at);
  new DataView(bytes.buffer).setUint32(0, header.length, true);
  bytes.set(header, 4);
  let offset = 4 + header.length;
  for (const b of blobs) (bytes.set(b, offset), (offset += b.length));
  return bytes;
}

/** The part {@link encodePart} encoded. */
export function decodePart(bytes: Uint8Array): PartResult {
  const length = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as Omit<PartResult, 'cells' | 'oof'> & { cells: Array<Omit<PartCell, 'output'> & { out?: OutputHeader }>; oof: { at: number; bytes: number } | null };
  const body = 4 + length;
  // A copy of its own (aligned for its typed array): a Node Buffer from Redis is a view into a shared pool, whose slice() is no copy.
  const blob = (at: number, n: number) => Uint8Array.prototype.slice.call(bytes, body + at, body + at + n).buffer;
  const cells = header.cells.map(({ out, ...rest }): PartCell => {
    if (!out) return rest;
    const Ctor = ARRAYS[out.type];
    if (!Ctor) throw new Error(`a stored part holds an output of unknown type ${out.type}`);
    const data = new Ctor(blob(out.at, out.bytes));
    return { ...rest, output: out.cols === null ? (data as Int32Array) : new Matrix(data, out.rows, out.cols) };
  });
  const { oof, ...rest } = header;
  return { ...rest, cells, ...(oof && { oof: decodeOof(new Uint8Array(blob(oof.at, oof.bytes))) }) };
}
