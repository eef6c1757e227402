import type { Task } from '@gridfold/core';
import type { CvResults, CvResultsPage, CvSortOrder, ExperimentStore, QueueShards } from '@gridfold/queue';
import { Router } from 'express';
import type { Redis } from 'ioredis';
import { parseCvPageQuery, pickRows, sortableColumns, sortRows } from '../cv-page.js';
import { describeExperiment } from '../progress.js';
import type { ResultsCache } from '../results-cache.js';
import { taskRefs, tasksByCell } from '../task-refs.js';

/** What GET /api/experiments/:id/cv_results reads. */
export interface CvResultsRoutesDeps {
  store: ExperimentStore;
  results: ResultsCache;
  redis: Redis;
  shards: QueueShards;
}

/**
 * GET /api/experiments/:id/cv_results?offset=&limit=&sort=&order=: a page of an experiment's
 * cv_results (final, aggregated, or partial while it runs), sorted server-side, with the fit
 * tasks of its rows; what the dashboard's table reads for a sweep too large to inline.
 */
export function cvResultsRoutes(deps: CvResultsRoutesDeps): Router {
  const { store, results } = deps;
  const router = Router();
  router.get('/:id/cv_results', async (req, res) => {
    const query = parseCvPageQuery(req.query);
    if (Array.isArray(query)) return void res.status(400).json({ error: `invalid cv_results page: ${query.map((i) => i.message).join('; ')}`, issues: query });
    const record = await store.get(req.params.id);
    if (!record) return void res.status(404).json({ error: `no experiment ${JSON.stringify(req.params.id)}` });
    const view = await describeExperiment(store, results, record, { inlineRows: Infinity });
    const cv = view.cv_results;
    // Before any task has reported there is nothing to sort, by any name.
    const columns = cv ? sortableColumns(cv) : [query.sort];
    if (!columns.includes(query.sort)) {
      const message = `sort must be a column of this experiment's cv_results (${columns.join(', ')}), got ${JSON.stringify(query.sort)}`;
      return void res.status(400).json({ error: `invalid cv_results page: ${message}`, issues: [{ path: 'query.sort', message }] });
    }
    const index = cv ? sortedRows(cv, query.sort, query.order).slice(query.offset, query.offset + query.limit) : [];
    const byCell = tasksOfCells(results.plan(record).tasks);
    const tasks = [...new Set(index.flatMap((cell) => byCell.get(cell) ?? []))].sort((a, b) => a.index - b.index);
    res.json({
      id: record.id,
      status: record.status,
      rows: cv?.params.length ?? 0,
      ...query,
      tasks_done: view.progress.done,
      tasks_total: view.progress.total,
      best_index: record.result?.best_index ?? record.summary?.best_index ?? null,
      index,
      cv_results: cv ? pickRows(cv, index) : null,
      tasks: await taskRefs(deps.redis, deps.shards.queueOf(record.id), record.id, tasks, record.generation),
      queue: deps.shards.labelOf(record.id),
    } satisfies CvResultsPage);
  });

  /** Sorted row orders, per cv_results object (a running sweep's is kept until it is re-aggregated) and sort. */
  const orders = new WeakMap<object, Map<string, number[]>>();
  function sortedRows(cv: CvResults, sort: string, order: CvSortOrder): number[] {
    const byKey = orders.get(cv) ?? new Map<string, number[]>();
    orders.set(cv, byKey);
    const key = `${sort}:${order}`;
    let rows = byKey.get(key);
    if (!rows) byKey.set(key, (rows = sortRows(cv, sort, order)));
    return rows;
  }
  const cellIndexes = new WeakMap<object, Map<number, Task[]>>();
  function tasksOfCells(tasks: Task[]): Map<number, Task[]> {
    let byCell = cellIndexes.get(tasks);
    if (!byCell) cellIndexes.set(tasks, (byCell = tasksByCell(tasks)));
    return byCell;
  }
  return router;
}
