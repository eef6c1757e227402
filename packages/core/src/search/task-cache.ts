import { createHash } from 'node:crypto';
import type { Dataset } from '../datasets/load.js';
import type { Params } from '../estimators/base.js';
import type { ExperimentSpec } from '../spec/schema.js';
import { fitAndScore, type CellResult, type FitAndScoreOptions, type OofOutputs, type TaskResult } from './fit-and-score.js';
import type { Plan, ResolvedCv, Task } from './plan.js';
import type { RefitResult } from './refit.js';

/**
 * Bumped whenever a change could alter a stored result (an estimator, a metric, the folds):
 * it is part of every cache key, so old entries simply stop matching.
 */
export const RESULT_CODE_VERSION = 'gridfold-results-1';

/** Where cached results live (Redis in the distributed runner). Values are JSON strings. */
export interface CacheStore {
  getMany(keys: string[]): Promise<Array<string | null>>;
  setMany(entries: Array<[string, string]>): Promise<void>;
}

/**
 * The content key of one (fold, cell) fit: dataset fingerprint, split (kind, folds, seed,
 * fold index, subset), estimator and params, scoring, out-of-fold outputs, code version.
 * Equal keys mean the same computation, whichever sweep asks for it.
 */
export function cellKey(spec: ExperimentSpec, dataset: Dataset, cv: ResolvedCv, fold: number, params: Params): string {
  return digest({
    v: RESULT_CODE_VERSION,
    data: dataset.fingerprint,
    split: { ...cv, fold },
    estimator: spec.estimator,
    params,
    scoring: spec.scoring,
    error_score: spec.error_score,
    oof: spec.oof?.methods ?? null,
  });
}

/** The content key of a refit + test: dataset, estimator, params and what the test reports. */
export function refitKey(spec: ExperimentSpec, dataset: Dataset, params: Params): string {
  return digest({ v: RESULT_CODE_VERSION, data: dataset.fingerprint, estimator: spec.estimator, params, refit: spec.refit, refit_of: 'test' });
}

interface CachedCell {
  result: Omit<CellResult, 'cell'>;
  oof?: OofOutputs;
}

/**
 * fitAndScore with a cache in front: cells whose key is stored are reused (marked `cached`),
 * only the others are fitted, and their successful results are stored. Failed cells are not
 * cached (a failure may be transient). With `cache` null or the spec's `cache: false`, it
 * is plain fitAndScore.
 */
export async function cachedFitAndScore(spec: ExperimentSpec, dataset: Dataset, plan: Plan, task: Task, cache: CacheStore | null, options: FitAndScoreOptions = {}): Promise<TaskResult> {
  if (!cache || !spec.cache || !plan.cv) return fitAndScore(spec, dataset, plan, task, options);
  const started = performance.now();
  const cv = plan.cv;
  const keys = task.cells.map((cell) => cellKey(spec, dataset, cv, task.fold, plan.grid.at(cell)));
  const stored = await cache.getMany(keys);
  const hits = new Map<number, CachedCell>();
  stored.forEach((v, i) => v !== null && hits.set(task.cells[i], JSON.parse(v) as CachedCell));
  const missing = task.cells.filter((c) => !hits.has(c));
  const fresh = missing.length ? await fitAndScore(spec, dataset, plan, { ...task, cells: missing }, options) : null;
  if (fresh) {
    const entries: Array<[string, string]> = [];
    for (const r of fresh.cells) {
      if (r.error) continue;
      const { cell, ...result } = r;
      entries.push([keys[task.cells.indexOf(cell)], JSON.stringify({ result, oof: fresh.oof } satisfies CachedCell)]);
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

/** A refit + test result from the cache, or computed by `compute` and then stored. */
export async function cachedRefit(spec: ExperimentSpec, dataset: Dataset, params: Params, cache: CacheStore | null, compute: () => Promise<RefitResult>): Promise<RefitResult> {
  if (!cache || !spec.cache) return compute();
  const key = refitKey(spec, dataset, params);
  const [hit] = await cache.getMany([key]);
  if (hit !== null) return { ...(JSON.parse(hit) as RefitResult), cached: true };
  const result = await compute();
  await cache.setMany([[key, JSON.stringify(result)]]);
  return result;
}

/** sha256 of a value's canonical JSON (object keys sorted at every level). */
function digest(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
