import { randomUUID } from 'node:crypto';
import { checkDataPaths, checkSpec, fingerprintSource, planExperiment, SpecError, type Plan, type SpecIssue } from '@gridfold/core';
import { buildExperimentFlow, QUEUE, type ExperimentStore } from '@gridfold/queue';
import type { FlowProducer, Queue } from 'bullmq';
import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { describeExperiment } from '../progress.js';

/** Limits on what one submission may ask for; each breach is a 400 naming the field. */
export interface SubmissionLimits {
  /** Largest number of fit tasks before grouping (grid cells x folds). @defaultValue 20000 */
  maxCellFolds: number;
  /** Largest dataset file, bytes. @defaultValue `MAX_DATASET_FILE_BYTES` from @gridfold/core (2 GiB) */
  maxFileBytes: number;
  /** Directory that dataset paths are relative to and confined to. */
  dataDir: string;
}

export interface ExperimentRoutesDeps {
  store: ExperimentStore;
  queue: Queue;
  flows: FlowProducer;
  prefix: string;
  log: Logger;
  limits: SubmissionLimits;
  /** Guards mutating routes (token auth). */
  guard: RequestHandler;
  /** Rate limit on submissions. */
  submitLimiter: RequestHandler;
}

/** POST/GET/DELETE /api/experiments and POST /api/experiments/:id/retry. */
export function experimentRoutes(deps: ExperimentRoutesDeps): Router {
  const { store, flows, prefix, log, limits } = deps;
  const router = Router();

  router.post('/', deps.guard, deps.submitLimiter, async (req, res) => {
    let spec;
    let plan: Plan;
    try {
      spec = checkSpec(req.body);
      const issues: SpecIssue[] = checkDataPaths(spec.dataset, { dataDir: limits.dataDir, maxFileBytes: limits.maxFileBytes });
      plan = planExperiment(spec);
      const cellFolds = plan.grid.size * (plan.cv?.n_splits ?? 1);
      if (cellFolds > limits.maxCellFolds) {
        issues.push({ path: 'param_grid', message: `${plan.grid.size} cells x ${plan.cv?.n_splits ?? 1} folds = ${cellFolds} fits, more than the limit of ${limits.maxCellFolds}` });
      }
      if (issues.length) throw new SpecError(issues);
    } catch (err) {
      if (err instanceof SpecError) return void res.status(400).json({ error: 'invalid experiment spec', issues: err.issues });
      throw err;
    }
    const id = randomUUID();
    // The experiment is bound to its files as they are now: tasks refuse any other version.
    const fingerprint = await fingerprintSource(plan.dataset, { dataDir: limits.dataDir, maxFileBytes: limits.maxFileBytes });
    await store.create(id, spec, Date.now(), fingerprint);
    await flows.add(buildExperimentFlow(id, prefix, plan, { generation: 0, fingerprint }));
    log.info({ experiment: id, name: spec.name, tasks: plan.tasks.length }, 'experiment submitted');
    res.status(201).json({ id, tasks: plan.tasks.length, links: links(id) });
  });

  router.get('/', async (req, res) => {
    const limit = Math.min(Math.max(Number(req.query.limit ?? 50) || 50, 1), 500);
    const ids = await store.list(0, limit);
    const records = (await Promise.all(ids.map((id) => store.get(id)))).filter((r) => r !== null);
    const items = await Promise.all(records.map((r) => describeExperiment(store, r, false)));
    res.json({ experiments: items.map(({ spec: _s, cv_results: _c, result: _r, ...rest }) => ({ ...rest, links: links(rest.id) })) });
  });

  router.get('/:id', async (req, res) => {
    const record = await store.get(req.params.id);
    if (!record) return void res.status(404).json({ error: `no experiment ${JSON.stringify(req.params.id)}` });
    res.json({ ...(await describeExperiment(store, record)), links: links(record.id) });
  });

  router.delete('/:id', deps.guard, async (req, res) => {
    const id = String(req.params.id);
    const status = await store.status(id);
    if (status === null) return void res.status(404).json({ error: `no experiment ${JSON.stringify(id)}` });
    if (store.isTerminal(status)) return void res.status(409).json({ error: `experiment ${id} is already ${status}`, status });
    await store.finish(id, 'cancelled', { error: 'cancelled by request' });
    const removed = await removePending(deps.queue, id);
    log.info({ experiment: id, removed }, 'experiment cancelled');
    res.json({ id, status: 'cancelled', removed_jobs: removed });
  });

  router.post('/:id/retry', deps.guard, async (req, res) => {
    const id = String(req.params.id);
    const record = await store.get(id);
    if (!record) return void res.status(404).json({ error: `no experiment ${JSON.stringify(id)}` });
    if (!store.isTerminal(record.status)) return void res.status(409).json({ error: `experiment ${id} is ${record.status}; only an ended one can be retried`, status: record.status });
    const plan = planExperiment(checkSpec(record.spec));
    const issues = checkDataPaths(plan.dataset, { dataDir: limits.dataDir, maxFileBytes: limits.maxFileBytes });
    if (issues.length) return void res.status(400).json({ error: `experiment ${id} cannot be retried: its dataset is not readable`, issues });
    // The retry is bound to the files as they are now; results computed on other data are dropped, never mixed in.
    const fingerprint = await fingerprintSource(plan.dataset, { dataDir: limits.dataDir, maxFileBytes: limits.maxFileBytes });
    const { generation, dataChanged, dropped, kept } = await store.reopen(id, fingerprint);
    const done = new Set(kept);
    const missing = plan.tasks.filter((t) => !done.has(t.index)).map((t) => t.index);
    // A halving chain is replayed from its start: rounds are re-derived, stored task results are not recomputed.
    await flows.add(buildExperimentFlow(id, prefix, plan, { generation, fingerprint }, { only: missing }));
    log.info({ experiment: id, generation, rerun: missing.length, kept: done.size, data_changed: dataChanged, dropped }, 'experiment retried');
    res.status(202).json({ id, status: 'queued', rerun_tasks: missing, kept_tasks: done.size, data_changed: dataChanged, dropped_tasks: dropped, links: links(id) });
  });

  return router;
}

function links(id: string) {
  return { self: `/api/experiments/${id}`, page: `/experiments/${id}`, bull_board: `/admin/queues/queue/${QUEUE}` };
}

/**
 * Removes an experiment's jobs that have not started. Jobs already running finish (their
 * processors see the cancelled status and store nothing new); nothing else is touched.
 */
async function removePending(queue: Queue, id: string): Promise<number> {
  let removed = 0;
  const jobs = await queue.getJobs(['waiting', 'waiting-children', 'delayed', 'prioritized'], 0, -1);
  for (const job of jobs) {
    if (job.data?.experimentId !== id) continue;
    try {
      await job.remove({ removeChildren: false });
      removed++;
    } catch {
      // A job that became active meanwhile is left to finish; the cancelled status stops it.
    }
  }
  return removed;
}
