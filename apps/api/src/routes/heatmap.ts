import { gridAxes, HEATMAP_BINS, heatmapGrid } from '@gridfold/dashboard/heatmap-grid';
import type { CvResults, ExperimentStore, HeatmapGrid, HeatmapView } from '@gridfold/queue';
import { Router, type Response } from 'express';
import type { QueryIssue } from '../cv-page.js';
import { describeExperiment } from '../progress.js';
import type { ResultsCache } from '../results-cache.js';

/** What GET /api/experiments/:id/heatmap reads. */
export interface HeatmapRoutesDeps {
  store: ExperimentStore;
  results: ResultsCache;
}

/** Most bins `?bins=` may ask for along one axis: 64 x 64 squares is as large as an answer gets. */
export const MAX_HEATMAP_BINS = 64;

/** A heatmap request, checked for shape; x and y against the experiment's parameters later. */
interface HeatmapQuery {
  x?: string;
  y?: string;
  bins: number;
}

/**
 * GET /api/experiments/:id/heatmap?x=&y=&bins=: the dashboard's grid heatmap of an experiment's
 * cv_results (final, aggregated, or partial while it runs), computed here by the page's own
 * code for a sweep too large to inline: at most `bins` x `bins` squares, whatever the number of
 * rows. x and y default to the first two parameters that vary (as the page picks them).
 */
export function heatmapRoutes(deps: HeatmapRoutesDeps): Router {
  const { store, results } = deps;
  const router = Router();
  router.get('/:id/heatmap', async (req, res) => {
    const query = parseHeatmapQuery(req.query);
    if (Array.isArray(query)) return void refuse(res, query);
    const record = await store.get(req.params.id);
    if (!record) return void res.status(404).json({ error: `no experiment ${JSON.stringify(req.params.id)}` });
    if (results.plan(record).search.kind === 'tpe') {
      return void res.status(400).json({ error: 'a study (search.kind "tpe") has no grid heatmap: its trials are points of a continuous space', issues: [{ path: 'params.id', message: 'not a grid or halving search' }] });
    }
    const view = await describeExperiment(store, results, record, { inlineRows: Infinity });
    const cv = view.cv_results;
    const best = record.result?.best_index ?? record.summary?.best_index ?? null;
    // Before any task has reported there are no parameters to check x and y against.
    const axes = cv ? gridAxes(cv) : [];
    const issues = cv ? (['x', 'y'] as const).flatMap((k) => checkAxis(k, query[k], axes)) : [];
    if (issues.length) return void refuse(res, issues);
    const x = query.x ?? axes[0];
    const y = query.y ?? axes[1];
    res.json({
      id: record.id,
      status: record.status,
      rows: cv?.params.length ?? 0,
      tasks_done: view.progress.done,
      tasks_total: view.progress.total,
      // A stored summary or result includes every task; a running sweep's aggregate may lag its count.
      tasks_aggregated: record.result || record.summary ? view.progress.done : (results.aggregatedTasks(record) ?? 0),
      best_index: best,
      heatmap: cv && x !== undefined && y !== undefined ? gridOf(cv, x, y, best, query.bins) : null,
    } satisfies HeatmapView);
  });

  /** Grids per cv_results object (a running sweep's is kept until it is re-aggregated), so a page's refreshes between two aggregations cost nothing. */
  const grids = new WeakMap<object, Map<string, HeatmapGrid>>();
  function gridOf(cv: CvResults, x: string, y: string, best: number | null, bins: number): HeatmapGrid {
    const byKey = grids.get(cv) ?? new Map<string, HeatmapGrid>();
    grids.set(cv, byKey);
    const key = JSON.stringify([x, y, best, bins]);
    let grid = byKey.get(key);
    if (!grid) byKey.set(key, (grid = heatmapGrid(cv, x, y, best, bins)));
    return grid;
  }
  return router;
}

function refuse(res: Response, issues: QueryIssue[]): void {
  res.status(400).json({ error: `invalid heatmap: ${issues.map((i) => i.message).join('; ')}`, issues });
}

/** `?x=&y=&bins=`: each a single value, bins an integer from 1 to {@link MAX_HEATMAP_BINS}; every issue names the value and what is allowed. */
function parseHeatmapQuery(q: Record<string, unknown>): HeatmapQuery | QueryIssue[] {
  const issues: QueryIssue[] = [];
  for (const k of ['x', 'y'] as const) {
    if (q[k] !== undefined && typeof q[k] !== 'string') issues.push({ path: `query.${k}`, message: `${k} must be one parameter name, got ${JSON.stringify(q[k])}` });
  }
  let bins = HEATMAP_BINS;
  if (q.bins !== undefined) {
    bins = typeof q.bins === 'string' && /^\d+$/.test(q.bins) ? Number(q.bins) : NaN;
    if (!(bins >= 1 && bins <= MAX_HEATMAP_BINS)) issues.push({ path: 'query.bins', message: `bins must be an integer from 1 to ${MAX_HEATMAP_BINS}, got ${JSON.stringify(q.bins)}` });
  }
  return issues.length ? issues : { x: q.x as string | undefined, y: q.y as string | undefined, bins };
}

function checkAxis(k: 'x' | 'y', name: string | undefined, axes: string[]): QueryIssue[] {
  if (name === undefined || axes.includes(name)) return [];
  const allowed = axes.length ? `one of the parameters that vary over this grid (${axes.join(', ')})` : 'a parameter that varies over the grid, and none does here';
  return [{ path: `query.${k}`, message: `${k} must be ${allowed}, got ${JSON.stringify(name)}` }];
}
