import { digest, RESULT_CODE_VERSION, type CacheStore } from '../cache/cache-store.js';
import type { Dataset } from '../datasets/load.js';
import type { Params } from '../estimators/base.js';
import type { Plan, Task } from '../plan/plan.js';
import type { ResolvedCv } from '../splitters/fold-data.js';
import { fitAndScore, type FitAndScoreOptions } from './fit-and-score.js';
import { decodeOof, encodeOof } from './oof-codec.js';
import type { CellResult, OofOutputs, TaskResult } from './task-result.js';

/**
 * The content key of one (fold, cell) fit: dataset fingerprint, split (kind, folds, seed,
 * fold index, subset), estimator and params, scoring, out-of-fold outputs, code version.
 * Equal keys mean the same computation, whichever sweep asks for it.
 */
export function cellKey(plan: Plan, dataset: Dataset, cv: ResolvedCv, fold: number, params: Params): string {
  return digest({
    v: RESULT_CODE_VERSION,
    data: dataset.fingerprint,
    split: { ...cv, fold },
    estimator: plan.estimator,
    params,
    scoring: plan.scoring,
    error_score: plan.errorScore,
    oof: plan.oof?.methods ?? null,
    // The code of a user's estimator is part of what was computed; built-ins' keys stay as they were.
    ...(plan.plugins.length > 0 && { plugins: plan.plugins }),
  });
}

interface CachedCell {
  result: Omit<CellResult, 'cell'>;
  oof?: OofOutputs;
}

/** A cache entry: the JSON's length (uint32, little-endian), the cell's result as JSON, then its out-of-fold outputs as `encodeOof` bytes, if any. */
function packCell(result: CachedCell['result'], oof: Uint8Array | null): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(result));
  const bytes = new Uint8Array(4 + json.length + (oof?.length ?? 0));
  new DataView(bytes.buffer).setUint32(0, json.length, true);
  bytes.set(json, 4);
  if (oof) bytes.set(oof, 4 + json.length);
  return bytes;
}

function unpackCell(bytes: Uint8Array): CachedCell {
  const length = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  const result = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as CachedCell['result'];
  return bytes.length > 4 + length ? { result, oof: decodeOof(bytes.subarray(4 + length)) } : { result };
}

/**
 * fitAndScore with a cache in front: cells whose key is stored are reused (marked `cached`),
 * only the others are fitted, and their successful results are stored. Failed cells are not
 * cached (a failure may be transient). With `cache` null or the plan's cache off, it is
 * plain fitAndScore.
 */
export async function cachedFitAndScore(plan: Plan, dataset: Dataset, task: Task, cache: CacheStore | null, options: FitAndScoreOptions = {}): Promise<TaskResult> {
  if (!cache || !plan.cache || !plan.cv) return fitAndScore(plan, dataset, task, options);
  const started = performance.now();
  const cv = plan.cv;
  const keys = task.cells.map((cell) => cellKey(plan, dataset, cv, task.fold, plan.grid.at(cell)));
  const stored = await cache.getMany(keys);
  const hits = new Map<number, CachedCell>();
  stored.forEach((v, i) => v !== null && hits.set(task.cells[i], unpackCell(v)));
  const missing = task.cells.filter((c) => !hits.has(c));
  const fresh = missing.length ? await fitAndScore(plan, dataset, { ...task, cells: missing }, options) : null;
  if (fresh) {
    const entries: Array<[string, Uint8Array]> = [];
    const oof = fresh.oof ? encodeOof(fresh.oof) : null;
    for (const r of fresh.cells) {
      if (r.error) continue;
      const { cell, ...result } = r;
      entries.push([keys[task.cells.indexOf(cell)], packCell(result, oof)]);
    }
    if (entries.length) await cache.setMany(entries);
  }
  const cells = task.cells.map((cell) => {
    const hit = hits.get(cell);
    return hit ? { cell, ...hit.result, cached: true } : fresh!.cells.find((r) => r.cell === cell)!;
  });
  const oof = fresh?.oof ?? [...hits.values()][0]?.oof;
  return { task: task.index, fold: task.fold, cells, ...(oof && { oof }), ms: performance.now() - started };
}

/**
 * The task's result from the cache alone, when every one of its cells is stored (each marked
 * `cached`), else null: a task split into parts (evaluate/parts.ts) checks this first, and a
 * hit is the task's result without computing any part.
 */
export async function cachedTaskResult(plan: Plan, dataset: Dataset, task: Task, cache: CacheStore | null): Promise<TaskResult | null> {
  if (!cache || !plan.cache || !plan.cv) return null;
  const started = performance.now();
  const cv = plan.cv;
  const stored = await cache.getMany(task.cells.map((cell) => cellKey(plan, dataset, cv, task.fold, plan.grid.at(cell))));
  if (stored.some((v) => v === null)) return null;
  const hits = stored.map((v) => unpackCell(v!));
  const oof = hits[0]?.oof;
  return { task: task.index, fold: task.fold, cells: task.cells.map((cell, i) => ({ cell, ...hits[i].result, cached: true })), ...(oof && { oof }), ms: performance.now() - started };
}

/** Stores a computed task result's successful cells in the cache, as cachedFitAndScore does with what it computed. */
export async function cacheTaskResult(plan: Plan, dataset: Dataset, task: Task, cache: CacheStore | null, result: TaskResult): Promise<void> {
  if (!cache || !plan.cache || !plan.cv) return;
  const cv = plan.cv;
  const oof = result.oof ? encodeOof(result.oof) : null;
  const entries: Array<[string, Uint8Array]> = [];
  for (const r of result.cells) {
    if (r.error || r.cached) continue;
    const { cell, ...rest } = r;
    entries.push([cellKey(plan, dataset, cv, task.fold, plan.grid.at(cell)), packCell(rest, oof)]);
  }
  if (entries.length) await cache.setMany(entries);
}
