import { randomUUID } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { autoTaskParts, checkDataPaths, checkSpec, fingerprintSource, planExperiment, splitsQueries, SpecError, type ExperimentSpec, type Plan, type SpecIssue } from '@gridfold/core';
import { ArtifactError, bodyHash, buildExperimentFlow, idempotencyKeyProblem, IdempotencyKeys, type IdempotencyClaim, enqueueFlow, buildStudyStart, buildTrialJob, planOfRecord, purgeExperiment, runStepIds, runTaskIds, type ArtifactStore, type ExperimentStore, type QueueShards, type WorkerRegistry } from '@gridfold/queue';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { parseListLimit } from '../list-limit.js';
import { CV_INLINE_ROWS, describeExperiment } from '../progress.js';
import type { ResultsCache } from '../results-cache.js';
import { cvResultsRoutes } from './cv-results.js';
import { heatmapRoutes } from './heatmap.js';
import type { PluginChecker } from '../plugin-check.js';
import { redisFullHandler } from '../redis-full.js';
import { storageRoutes } from './storage.js';

/** Limits on what one submission may ask for; each breach is a 400 naming the field. */
export interface SubmissionLimits {
  /** Largest number of fit tasks before grouping (grid cells x folds). @defaultValue `MAX_CELL_FOLDS` from @gridfold/core (20000) */
  maxCellFolds: number;
  /** Largest dataset file, bytes. @defaultValue `MAX_DATASET_FILE_BYTES` from @gridfold/core (2 GiB) */
  maxFileBytes: number;
  /** Directory that dataset paths are relative to and confined to. */
  dataDir: string;
}

export interface ExperimentRoutesDeps {
  store: ExperimentStore;
  /** Plans and running experiments' aggregates, shared with the live streams. */
  results: ResultsCache;
  /** The store's connection (job lookups for task links). */
  redis: Redis;
  /** Most cv_results rows a view inlines. @defaultValue {@link CV_INLINE_ROWS} */
  cvInlineRows?: number;
  /** The queue shards: every job of an experiment goes to its id's one (`queueOf`, `flowsOf`). */
  shards: QueueShards;
  prefix: string;
  log: Logger;
  limits: SubmissionLimits;
  /** Guards mutating routes (token auth). */
  guard: RequestHandler;
  /** Rate limit on submissions. */
  submitLimiter: RequestHandler;
  /** Where specs' `artifacts` (plugin bundles, data files) are uploaded. */
  artifacts: ArtifactStore;
  /** Whether specs may name plugins (`GRIDFOLD_ALLOW_PLUGINS`): whoever can submit can run code on the workers. */
  allowPlugins: boolean;
  /** Checks specs that name plugins, each in a child process of its own. */
  pluginChecker: PluginChecker;
  /** Fit tasks queued with a flow; the rest follow in chunks of this many. @defaultValue `FLOW_CHUNK` */
  flowChunk?: number;
  /** The live workers, whose job slots decide how many parts a task split by its queries gets (`split_queries` "auto"). */
  workers?: WorkerRegistry;
  /** Submissions' Idempotency-Keys (on the store's connection, which waits out a Redis restart). */
  idempotency: IdempotencyKeys;
}

/** Largest plugin bundle the API reads to check a spec, bytes. */
const MAX_BUNDLE_BYTES = 64 * 1024 ** 2;

/** A spec error that is not the spec's shape: a status besides 400, or one issue. */
class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: SpecIssue[],
  ) {
    super(message);
  }
}

/** POST/GET/DELETE /api/experiments and POST /api/experiments/:id/retry. */
export function experimentRoutes(deps: ExperimentRoutesDeps): Router {
  const { store, shards, prefix, log, limits, results } = deps;
  const inlineRows = deps.cvInlineRows ?? CV_INLINE_ROWS;
  const router = Router();
  router.use(storageRoutes(deps));
  router.use(cvResultsRoutes(deps));
  router.use(heatmapRoutes(deps));

  /**
   * What a spec's files are: its artifacts exist (and are recorded as used by `id`), its other
   * dataset files are in the data directory; with plugins, the spec is checked with them loaded
   * (in a child process) and the task groups their estimators give are returned.
   */
  async function checkFiles(spec: ExperimentSpec, id: string): Promise<{ groups?: number[][] }> {
    await checkStoredFiles(spec, id);
    if (!spec.plugins) return {};
    const bundles: Record<string, string> = {};
    for (const [i, ref] of spec.plugins.entries()) {
      const sha = spec.artifacts![ref];
      const { meta, stream } = await deps.artifacts.open(sha);
      if (meta.size > MAX_BUNDLE_BYTES) throw new SpecError([{ path: `plugins.${i}`, message: `its bundle is ${meta.size} bytes, more than the ${MAX_BUNDLE_BYTES} a plugin may take` }]);
      bundles[ref] = await text(stream);
    }
    const reply = await deps.pluginChecker.check({ spec, maxCellFolds: limits.maxCellFolds, bundles });
    if (!reply.ok && 'issues' in reply) throw new SpecError(reply.issues);
    if (!reply.ok) throw new Error(reply.error);
    return { groups: reply.groups };
  }

  /**
   * The part of `checkFiles` a retry repeats: plugins are allowed here, the artifacts are still
   * stored (and used by `id`), the data files exist. (A retry does not load the plugins again:
   * their task groups are stored with the experiment.)
   */
  async function checkStoredFiles(spec: ExperimentSpec, id: string): Promise<void> {
    if (spec.plugins && !deps.allowPlugins) {
      throw new Refused(403, 'this deployment does not run plugin code (GRIDFOLD_ALLOW_PLUGINS=false)', [{ path: 'plugins', message: 'plugins are turned off on this deployment' }]);
    }
    const missing: SpecIssue[] = [];
    for (const [ref, sha] of Object.entries(spec.artifacts ?? {})) {
      try {
        await deps.artifacts.use(sha, id);
      } catch (err) {
        if (!(err instanceof ArtifactError) || err.code !== 'not-found') throw err;
        missing.push({ path: `artifacts.${ref}`, message: `no artifact ${sha} is stored: upload it first (POST /api/artifacts; gridfold run uploads what the spec names)` });
      }
    }
    if (missing.length) throw new SpecError(missing);
    const issues = checkDataPaths(spec.dataset, { dataDir: limits.dataDir, maxFileBytes: limits.maxFileBytes, artifacts: spec.artifacts });
    if (issues.length) throw new SpecError(issues);
  }

  /** Whether experiment `id` still wants its jobs added (not cancelled or ended meanwhile). */
  const wanted = (id: string) => async () => {
    const status = await store.status(id);
    return status !== null && !store.isTerminal(status);
  };

  /**
   * Follows the chunks of a huge flow that are added after the answer (enqueueFlow's `rest`): if
   * one cannot be added, the run fails saying why (a retry adds the missing tasks), and its jobs
   * that have not run are removed, so nothing waits on the gate.
   */
  function addingRest(id: string, plan: Plan, run: { generation: number }, rest: Promise<void> | null): void {
    if (!rest) return;
    rest.then(
      () => log.info({ experiment: id, tasks: plan.tasks.length }, 'every task of the experiment is queued'),
      async (err) => {
        const error = `could not queue all of the experiment's tasks: ${(err as Error).message}; retry it to run the missing ones`;
        log.error({ experiment: id, err: (err as Error).message }, error);
        try {
          if (await store.failRun(id, run.generation, error)) await removePending(shards.queueOf(id), runStepIds(id, run.generation, null), runTaskIds(id, run.generation, plan, null));
        } catch (e) {
          // The reaper fails a run that has no job it can run, after its grace period.
          log.error({ experiment: id, err: (e as Error).message }, 'could not fail the experiment whose tasks could not all be queued');
        }
      },
    );
  }

  /** The answer to a submission whose Idempotency-Key an earlier request already holds. */
  async function answerHeld(res: Response, key: string, held: IdempotencyClaim, body: string): Promise<void> {
    if (held.body !== body) {
      return void res.status(422).json({ error: `Idempotency-Key ${JSON.stringify(key)} was sent before with another spec; a new submission needs a new key` });
    }
    if (held.state === 'pending') {
      return void res.status(409).json({ error: 'a submission with this Idempotency-Key is still in progress; send it again shortly', in_progress: true });
    }
    const id = held.id!;
    if (!(await store.get(id))) {
      return void res.status(410).json({ error: `experiment ${id}, which this Idempotency-Key made, has been deleted; a new submission needs a new key`, id });
    }
    res.set('Idempotent-Replayed', 'true');
    res.status(200).json({ id, tasks: held.tasks ?? 0, ...(held.fits !== undefined && { fits: held.fits }), links: links(id, shards), replayed: true });
  }

  // A submission. With an Idempotency-Key, the key is claimed before any work, settled with the
  // experiment once it is queued, and released when the submission is refused or fails, so that a
  // retry of a submission whose answer was lost (a 503 at the Redis deadline while the route went
  // on) gets the same experiment, and a retry of a refused one is checked again.
  router.post('/', deps.guard, deps.submitLimiter, async (req, res) => {
    const key = req.get('idempotency-key');
    const answer = (created: Created) => void res.status(201).json({ id: created.id, tasks: created.tasks, ...(created.fits !== undefined && { fits: created.fits }), links: links(created.id, shards) });
    if (key === undefined) {
      const created = await submit(req, res);
      return created && answer(created);
    }
    const problem = idempotencyKeyProblem(key);
    if (problem) return void res.status(400).json({ error: problem, issues: [{ path: 'Idempotency-Key', message: problem }] });
    const body = bodyHash(req.body);
    const held = await deps.idempotency.claim(key, body);
    if (held) return answerHeld(res, key, held, body);
    let created: Created | undefined;
    try {
      created = await submit(req, res);
    } finally {
      // Settled before the answer: the answer may be lost (a 503 already sent, a dropped connection), the experiment is not.
      if (created) await deps.idempotency.settle(key, body, created.id, created.tasks, created.fits);
      else await deps.idempotency.release(key).catch((err: Error) => log.warn({ err: err.message }, 'could not release an Idempotency-Key (it expires by itself)'));
    }
    if (created) answer(created);
  });

  /** Checks, stores and queues a submission: its experiment, or undefined when it was refused (and answered). */
  async function submit(req: Request, res: Response): Promise<Created | undefined> {
    let spec;
    let plan: Plan;
    let groups: number[][] | undefined;
    const id = randomUUID();
    try {
      // checkSpec refuses a search over maxCellFolds by arithmetic, so planning below is bounded.
      spec = checkSpec(req.body, { maxCellFolds: limits.maxCellFolds });
      ({ groups } = await checkFiles(spec, id));
      plan = planExperiment(spec, { groups });
      checkSplit(spec, plan);
    } catch (err) {
      // A refused spec makes no experiment: it must not stay listed as a user of its artifacts
      // (a purge by that id would 404, and the list would grow with every refused submit).
      if (spec?.artifacts) await Promise.all(Object.values(spec.artifacts).map((sha) => deps.artifacts.release(sha, id).catch(() => {})));
      if (err instanceof SpecError) return void res.status(400).json({ error: 'invalid experiment spec', issues: err.issues });
      if (err instanceof Refused) return void res.status(err.status).json({ error: err.message, issues: err.issues });
      throw err;
    }
    // The experiment is bound to its files as they are now: tasks refuse any other version.
    const fingerprint = await fingerprintSource(plan.dataset, { dataDir: limits.dataDir, maxFileBytes: limits.maxFileBytes, artifacts: spec.artifacts });
    await store.create(id, spec, Date.now(), fingerprint, groups);
    try {
      const run = { generation: 0, fingerprint, plugins: plan.plugins, weight: plan.priority };
      const parts = await taskParts(spec, plan);
      if (parts > 1) await store.setTaskParts(id, parts);
      // A study starts as its first trial jobs (one per chain); each trial enqueues its successor.
      if (plan.search.kind === 'tpe') for (const job of buildStudyStart(id, prefix, plan, run)) await shards.flowsOf(id).add(job);
      else addingRest(id, plan, run, (await enqueueFlow(shards.flowsOf(id), shards.queueOf(id), buildExperimentFlow(id, prefix, plan, run, { parts }), { chunk: deps.flowChunk, stillWanted: wanted(id) })).rest);
    } catch (err) {
      // Nothing may stay queued without its jobs (e.g. Redis filled up between the two writes); if
      // this fails too, the reaper fails the experiment after its grace period.
      await store.finish(id, 'failed', { error: `could not enqueue the experiment's jobs: ${(err as Error).message}` }).catch(() => {});
      await purgeExperiment(store, shards.queueOf(id), id).catch(() => {});
      throw err;
    }
    // (cell, fold) fits: more than the tasks where cells share a fit (grouped) or run in batches (batch_size).
    const fits = plan.tasks.reduce((n, t) => n + t.cells.length, 0);
    log.info({ experiment: id, name: spec.name, tasks: plan.tasks.length, fits }, 'experiment submitted');
    return { id, tasks: plan.tasks.length, ...(plan.tasks.length > 0 && { fits }) };
  }

  router.get('/', async (req, res) => {
    const limit = parseListLimit(req.query.limit);
    const ids = await store.list(0, limit);
    const records = (await Promise.all(ids.map((id) => store.get(id)))).filter((r) => r !== null);
    const items = await Promise.all(records.map((r) => describeExperiment(store, results, r, { withResults: false })));
    res.json({ experiments: items.map(({ spec: _s, cv_results: _c, curves: _v, result: _r, ...rest }) => ({ ...rest, links: links(rest.id, shards) })) });
  });

  router.get('/:id', async (req, res) => {
    const record = await store.get(req.params.id);
    if (!record) return void res.status(404).json({ error: `no experiment ${JSON.stringify(req.params.id)}` });
    const [view, redisBytes] = await Promise.all([describeExperiment(store, results, record, { inlineRows }), memoryUsage(record)]);
    res.json({ ...view, redis_bytes: redisBytes, links: links(record.id, shards) });
  });

  router.delete('/:id', deps.guard, async (req, res) => {
    const id = String(req.params.id);
    const record = await store.get(id);
    if (!record) return void res.status(404).json({ error: `no experiment ${JSON.stringify(id)}` });
    if (store.isTerminal(record.status)) return void res.status(409).json({ error: `experiment ${id} is already ${record.status}`, status: record.status });
    // The run is read before the cancel: once cancelled, a retry may start the next run, whose
    // jobs (fresh ids) must not be removed. Halving rounds are read after it, so that a round a
    // running halving step saved meanwhile is included.
    const generation = await store.generation(id);
    await store.finish(id, 'cancelled', { error: 'cancelled by request' });
    const halving = await store.halving(id);
    const tasks = runTaskIds(id, generation, planOfRecord(record), halving, await store.taskParts(id));
    // Running jobs are stopped by their workers, which see the cancelled status within a second.
    // A huge sweep's other pending tasks are removed after the answer (100,000 take longer than
    // the API's Redis deadline); a worker that takes one meanwhile sees the cancel and skips it.
    const now = tasks.slice(0, CANCEL_SYNC_TASKS);
    const later = tasks.slice(CANCEL_SYNC_TASKS);
    const removed = await removePending(shards.queueOf(id), runStepIds(id, generation, halving), now);
    log.info({ experiment: id, removed, removing: later.length }, 'experiment cancelled');
    res.json({ id, status: 'cancelled', removed_jobs: removed, ...(later.length > 0 && { removing_jobs: later.length }) });
    if (later.length > 0) {
      removePending(shards.queueOf(id), [], later).then(
        (n) => log.info({ experiment: id, removed: n }, 'the cancelled experiment\'s other pending tasks are removed'),
        (err) => log.warn({ experiment: id, err: (err as Error).message }, 'could not remove every pending task of a cancelled experiment (workers skip them)'),
      );
    }
  });

  router.post('/:id/retry', deps.guard, async (req, res) => {
    const id = String(req.params.id);
    const record = await store.get(id);
    if (!record) return void res.status(404).json({ error: `no experiment ${JSON.stringify(id)}` });
    if (!store.isTerminal(record.status)) return void res.status(409).json({ error: `experiment ${id} is ${record.status}; only an ended one can be retried`, status: record.status });
    let plan: Plan;
    try {
      // The stored spec passed the size limit when it was submitted; a retry re-runs part of it.
      plan = planOfRecord(record);
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      return void res.status(409).json({ error: `experiment ${id} cannot be retried: its stored spec is no longer valid (${err.message})`, issues: err.issues });
    }
    try {
      // Its artifacts must still be stored (a deleted one is uploaded again with `gridfold run`: same bytes, same name).
      await checkStoredFiles(record.spec, id);
    } catch (err) {
      if (err instanceof SpecError) return void res.status(400).json({ error: `experiment ${id} cannot be retried: its files are not all available`, issues: err.issues });
      if (err instanceof Refused) return void res.status(err.status).json({ error: err.message, issues: err.issues });
      throw err;
    }
    // The retry is bound to the files as they are now; results computed on other data are dropped, never mixed in.
    const fingerprint = await fingerprintSource(plan.dataset, { dataDir: limits.dataDir, maxFileBytes: limits.maxFileBytes, artifacts: record.spec.artifacts });
    const { generation, dataChanged, dropped, kept } = await store.reopen(id, fingerprint);
    const done = new Set(kept);
    const missing = plan.tasks.filter((t) => !done.has(t.index)).map((t) => t.index);
    // A halving chain is replayed from its start: rounds are re-derived, stored task results are not recomputed.
    const run = { generation, fingerprint, plugins: plan.plugins, weight: plan.priority };
    if (plan.search.kind === 'tpe') {
      // A study keeps its complete and pruned trials (a pruned trial never runs again); the others run again, as new jobs of this run.
      const again = await store.study().reopen(id, plan.search.n_trials, dataChanged);
      for (const n of again) await shards.flowsOf(id).add(buildTrialJob(id, prefix, n, run));
      log.info({ experiment: id, generation, trials: again.length, data_changed: dataChanged }, 'study retried');
      return void res.status(202).json({ id, status: 'queued', rerun_trials: again, kept_trials: plan.search.n_trials - again.length, data_changed: dataChanged, links: links(id, shards) });
    }
    const parts = await store.taskParts(id);
    addingRest(id, plan, run, (await enqueueFlow(shards.flowsOf(id), shards.queueOf(id), buildExperimentFlow(id, prefix, plan, run, { only: missing, parts }), { chunk: deps.flowChunk, stillWanted: wanted(id) })).rest);
    log.info({ experiment: id, generation, rerun: missing.length, kept: done.size, data_changed: dataChanged, dropped }, 'experiment retried');
    res.status(202).json({ id, status: 'queued', rerun_tasks: missing, kept_tasks: done.size, data_changed: dataChanged, dropped_tasks: dropped, links: links(id, shards) });
  });

  /**
   * MEMORY USAGE with every field counted walks a hash: a 100,000-task sweep's results take it
   * milliseconds of Redis time. A running experiment's figure is therefore kept for a few seconds.
   */
  const memory = new Map<string, { at: number; bytes: number }>();
  async function memoryUsage(record: { id: string; status: string }): Promise<number> {
    const kept = memory.get(record.id);
    if (record.status === 'running' && kept && Date.now() - kept.at < MEMORY_USAGE_TTL_MS) return kept.bytes;
    const bytes = await store.memoryUsage(record.id);
    memory.delete(record.id);
    if (record.status === 'running') memory.set(record.id, { at: Date.now(), bytes });
    for (const id of memory.keys()) if (memory.size > 64) memory.delete(id);
    return bytes;
  }

  /**
   * Jobs per fit task (issue #17): the spec's `split_queries` when a number, else, for an
   * estimator whose cost is in its queries, enough parts that the live workers' job slots
   * (their concurrency, summed) are not left idle while the last tasks run (see autoTaskParts).
   */
  async function taskParts(spec: ExperimentSpec, plan: Plan): Promise<number> {
    if (typeof spec.split_queries === 'number') return splitsQueries(plan) ? spec.split_queries : 1;
    if (!deps.workers || !splitsQueries(plan)) return 1;
    const slots = (await deps.workers.list()).reduce((n, w) => n + Math.max(1, w.concurrency || 1), 0);
    return autoTaskParts(plan, slots);
  }

  router.use(redisFullHandler(log));
  return router;
}

/** A submission's experiment: its id, fit tasks (queue jobs) and, for a grid or random search, the (cell, fold) fits they run. */
interface Created {
  id: string;
  tasks: number;
  fits?: number;
}

/** How long a running experiment's `redis_bytes` is reused, milliseconds. */
const MEMORY_USAGE_TTL_MS = 5000;

/** Pending task jobs a cancel removes before it answers; the others are removed after. */
export const CANCEL_SYNC_TASKS = 2000;

/** A forced split (`split_queries` > 1) needs a search that splits: a grid or random search with cross-validation of an estimator whose cost is in its queries. */
function checkSplit(spec: ExperimentSpec, plan: Plan): void {
  if (typeof spec.split_queries !== 'number' || spec.split_queries <= 1 || splitsQueries(plan)) return;
  throw new SpecError([
    {
      path: 'split_queries',
      message: `${spec.split_queries} parts need a grid or random search with cv of an estimator whose cost is in its queries (KNeighborsClassifier); ${spec.estimator.name} with search ${spec.search.kind} and cv ${plan.cv ? 'set' : 'null'} cannot be split: use 1 or "auto"`,
    },
  ]);
}

function links(id: string, shards: QueueShards) {
  return { self: `/api/experiments/${id}`, page: `/experiments/${id}`, bull_board: `/admin/queues/queue/${shards.labelOf(id)}` };
}

/**
 * Removes the jobs of a run that have not finished and are not running: the steps one by one,
 * parents first (a parent whose last child went first would be released to run), then the
 * tasks. A job that became active meanwhile is locked and stays; its worker stops it.
 * Returns how many were removed.
 */
async function removePending(queue: Queue, steps: string[], tasks: string[]): Promise<number> {
  const removeOne = async (jobId: string) => {
    const job = await queue.getJob(jobId);
    return !job || job.finishedOn ? 0 : queue.remove(jobId, { removeChildren: false });
  };
  let removed = 0;
  for (const jobId of steps) removed += await removeOne(jobId);
  // In chunks: a sweep may have tens of thousands of tasks, a round trip or two each.
  for (let i = 0; i < tasks.length; i += 500) {
    for (const n of await Promise.all(tasks.slice(i, i + 500).map(removeOne))) removed += n;
  }
  return removed;
}
