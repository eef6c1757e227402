import { digest, RESULT_CODE_VERSION, type CacheStore } from '../cache/cache-store.js';
import type { Dataset } from '../datasets/load.js';
import type { Params } from '../estimators/base.js';
import type { Plan, Task } from '../plan/plan.js';
import type { ResolvedCv } from '../splitters/fold-data.js';
import { fitAndScore, type FitAndScoreOptions } from './fit-and-score.js';
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
  });
}

interface CachedCell {
  result: Omit<CellResult, 'cell'>;
  oof?: OofOutputs;
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
  stored.forEach((v, i) => v !== null && hits.set(task.cells[i], JSON.parse(v) as CachedCell));
  const missing = task.cells.filter((c) => !hits.has(c));
  const fresh = missing.length ? await fitAndScore(plan, dataset, { ...task, cells: missing }, options) : null;
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
