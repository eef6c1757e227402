import { decodeOof, encodeOof, type ExperimentResult, type ExperimentSpec, type ExperimentStatus, type HalvingRound, type HalvingSchedule, type OofOutputs, type SearchSummary, type TaskResult } from '@gridfold/core';
import type { Redis } from 'ioredis';
import { replicated } from './connection.js';
import { artifactKeys, keys } from './names.js';
import { StudyStore } from './study-store.js';
import { allowOom, plainlyFull } from './redis-full.js';
import { packResult, unpackResult } from './stored-result.js';

/** A halving search's schedule and its rounds so far (with their task counts). */
export interface HalvingState {
  schedule: HalvingSchedule;
  rounds: Array<HalvingRound & { tasks: number }>;
}

/** What the store keeps about an experiment besides its task results. */
export interface ExperimentRecord {
  id: string;
  name: string;
  status: ExperimentStatus;
  spec: ExperimentSpec;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error?: string;
  /** Aggregated cv_results and best cell, once the aggregate job has run. */
  summary: SearchSummary | null;
  /** Out-of-fold metrics, once aggregated. */
  metrics: Record<string, unknown>;
  /** Final result, once the root job has finished. */
  result: ExperimentResult | null;
  /** The cells of each task of a fold, when planned where the spec's plugins were loaded (see `planExperiment`'s `groups`). */
  groups?: number[][];
  /** Run generation: 0, then one more per retry. */
  generation: number;
}

const TERMINAL: ExperimentStatus[] = ['completed', 'failed', 'cancelled'];

/** Every status an experiment can have, in the order it goes through them. */
export const EXPERIMENT_STATUSES: readonly ExperimentStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];

/** Which run of an experiment a job belongs to: its generation and the data that run is bound to. */
export interface RunRef {
  /** 0 for the first run, then one more per retry. */
  generation: number;
  /** Source fingerprint of the dataset the run is bound to (`sourceFingerprint` in @gridfold/core). */
  fingerprint: string;
}

/**
 * Why the store refused a job's write: the experiment was retried since the job's run began
 * (`stale-generation`), or retried on changed data (`stale-data`: the job's fingerprint is not
 * the experiment's).
 */
export type Staleness = 'stale-generation' | 'stale-data';

/** How many times each task (index → count) was started, computed to the end, and had its result written. */
export interface TaskExecutions {
  started: Record<number, number>;
  computed: Record<number, number>;
  stored: Record<number, number>;
}

/**
 * Lua: whether the run (ARGV generation `gen`, fingerprint `fp`) is the experiment's current
 * one. An experiment never retried has no generation field (0); every record has its
 * fingerprint from creation. Checked in the same script as the write it guards.
 */
const STALE = `local function stale(key, gen, fp)
  if (redis.call('hget', key, 'fingerprint') or '') ~= fp then return 'stale-data' end
  if (redis.call('hget', key, 'generation') or '0') ~= gen then return 'stale-generation' end
  return false
end
`;

/**
 * Experiments and their task results in Redis. Redis is the only stateful service, so
 * everything an API or worker restart must not lose lives here, written idempotently.
 */
export class ExperimentStore {
  private readonly k: ReturnType<typeof keys>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'gridfold',
  ) {
    this.k = keys(prefix);
  }

  /**
   * A queued experiment bound to `fingerprint`, the source fingerprint of its dataset at
   * submission: its tasks store results computed on exactly that data.
   * @defaultValue fingerprint `""` (store tests that run no task)
   */
  async create(id: string, spec: ExperimentSpec, now = Date.now(), fingerprint = '', groups?: number[][]): Promise<void> {
    const record = { id, name: spec.name, status: 'queued', spec: JSON.stringify(spec), created_at: String(now), fingerprint, ...(groups && { groups: JSON.stringify(groups) }) };
    if (this.redis.isCluster) {
      // The record and the index are in two slots (see keys): the record first, so that the index never lists an id with none.
      await this.redis.hset(this.k.experiment(id), record);
      await this.redis.zadd(this.k.index, now, id);
      return;
    }
    await this.redis.multi().hset(this.k.experiment(id), record).zadd(this.k.index, now, id).exec();
  }

  private studies?: StudyStore;

  /** The trials of this prefix's studies (search.kind "tpe"). */
  study(): StudyStore {
    this.studies ??= new StudyStore(this.redis, this.prefix);
    return this.studies;
  }

  async get(id: string): Promise<ExperimentRecord | null> {
    const h = await this.redis.hgetall(this.k.experiment(id));
    if (!h.id) return null;
    const summary = h.summary ? (JSON.parse(h.summary) as SearchSummary) : null;
    const metrics = h.metrics ? JSON.parse(h.metrics) : {};
    return {
      id: h.id,
      name: h.name,
      status: h.status as ExperimentStatus,
      spec: JSON.parse(h.spec),
      created_at: Number(h.created_at),
      started_at: h.started_at ? Number(h.started_at) : null,
      finished_at: h.finished_at ? Number(h.finished_at) : null,
      error: h.error || undefined,
      summary,
      metrics,
      result: h.result ? unpackResult(h.result, summary, metrics) : null,
      ...(h.groups && { groups: JSON.parse(h.groups) as number[][] }),
      generation: Number(h.generation ?? 0),
    };
  }

  /** Experiment ids, newest first. */
  async list(offset = 0, limit = 50): Promise<string[]> {
    return this.redis.zrevrange(this.k.index, offset, offset + limit - 1);
  }

  /**
   * How many of the newest `limit` experiments have each status, and how many the store holds
   * in all: one ZRANGE and one pipelined HGET per experiment scanned, never a whole record. The
   * queued and running ones are among the newest in practice; older ones have ended, and
   * retention or `gridfold prune` bounds how many there are.
   */
  async statusCounts(limit: number): Promise<{ counts: Record<ExperimentStatus, number>; scanned: number; total: number }> {
    // ZREVRANGE's stop -1 would mean the whole index: a limit of 0 scans nothing.
    const [ids, total] = await Promise.all([limit > 0 ? this.redis.zrevrange(this.k.index, 0, limit - 1) : [], this.redis.zcard(this.k.index)]);
    const counts = Object.fromEntries(EXPERIMENT_STATUSES.map((s) => [s, 0])) as Record<ExperimentStatus, number>;
    if (ids.length) {
      // One command per experiment, sent at once: on a Redis Cluster the records are on several masters, which one pipeline cannot span.
      const replies = await Promise.allSettled(ids.map((id) => this.redis.hget(this.k.experiment(id), 'status')));
      for (const reply of replies) {
        // An id whose record was purged between the two reads has no status: not counted.
        const status = reply.status === 'fulfilled' ? reply.value : null;
        if (status && status in counts) counts[status as ExperimentStatus]++;
      }
    }
    return { counts, scanned: ids.length, total };
  }

  /** Ids of experiments created before `time` (milliseconds since the epoch), oldest first, at most `limit`. */
  async createdBefore(time: number, limit = 1000): Promise<string[]> {
    return this.redis.zrangebyscore(this.k.index, '-inf', `(${time}`, 'LIMIT', 0, limit);
  }

  async status(id: string): Promise<ExperimentStatus | null> {
    return (await this.redis.hget(this.k.experiment(id), 'status')) as ExperimentStatus | null;
  }

  /**
   * Sets a terminal status unless the experiment already has one (a cancelled sweep is not
   * later marked completed by a job that was already running), or, when `fields.generation`
   * is given (a job ends it), unless the experiment was retried since that generation (a job
   * of an earlier run does not end the retry with its partial results). Returns whether it changed.
   * The result's cv_results and metrics are stored once (see stored-result.ts). Failing or
   * cancelling writes a few bytes even when Redis is out of memory, so that nothing stays
   * running for want of them.
   */
  async finish(id: string, status: 'completed' | 'failed' | 'cancelled', fields: { error?: string; result?: ExperimentResult; generation?: number } = {}, now = Date.now()): Promise<boolean> {
    const [summary, metrics] = fields.result ? await this.redis.hmget(this.k.experiment(id), 'summary', 'metrics') : [null, null];
    const script = `local s = redis.call('hget', KEYS[1], 'status')
       if not s or s == 'completed' or s == 'failed' or s == 'cancelled' then return 0 end
       if ARGV[5] ~= '' and (redis.call('hget', KEYS[1], 'generation') or '0') ~= ARGV[5] then return 0 end
       redis.call('hset', KEYS[1], 'status', ARGV[1], 'finished_at', ARGV[2])
       if ARGV[3] ~= '' then redis.call('hset', KEYS[1], 'error', ARGV[3]) end
       if ARGV[4] ~= '' then redis.call('hset', KEYS[1], 'result', ARGV[4]) end
       return 1`;
    const changed = await plainlyFull(this.redis.eval(
      status === 'completed' ? script : allowOom(script),
      1,
      this.k.experiment(id),
      status,
      String(now),
      fields.error ?? '',
      fields.result ? packResult(fields.result, summary, metrics) : '',
      fields.generation === undefined ? '' : String(fields.generation),
    ));
    if (changed === 1) await replicated(this.redis, this.k.experiment(id));
    return changed === 1;
  }

  /**
   * Fails run `generation` of an experiment with `error`, unless it has ended or a retry has
   * started a later run since (a job of an old run must not fail the new one). Returns whether it changed.
   */
  async failRun(id: string, generation: number, error: string, now = Date.now()): Promise<boolean> {
    const changed = await this.redis.eval(
      `local s = redis.call('hget', KEYS[1], 'status')
       if not s or s == 'completed' or s == 'failed' or s == 'cancelled' then return 0 end
       if tonumber(redis.call('hget', KEYS[1], 'generation') or '0') ~= tonumber(ARGV[1]) then return 0 end
       redis.call('hset', KEYS[1], 'status', 'failed', 'finished_at', ARGV[2], 'error', ARGV[3])
       return 1`,
      1,
      this.k.experiment(id),
      String(generation),
      String(now),
      error,
    );
    return changed === 1;
  }

  /**
   * Puts an ended experiment back to queued for a retry with a new run generation (fresh job
   * ids; jobs of earlier generations are refused from then on), bound to `fingerprint`, the
   * source fingerprint of its dataset now. Same data: the task results it has are kept. Other
   * data: they are dropped (with their execution counts), never mixed with results on the new
   * data. Returns the generation, whether the data changed, how many results were dropped and
   * the tasks whose results were kept, read in the same atomic step, so a result stored just
   * before is not re-run and one refused after is.
   */
  async reopen(id: string, fingerprint: string): Promise<{ generation: number; dataChanged: boolean; dropped: number; kept: number[] }> {
    const [generation, changed, dropped, kept] = (await this.redis.eval(
      `local gen = redis.call('hincrby', KEYS[1], 'generation', 1)
       redis.call('hset', KEYS[1], 'status', 'queued')
       redis.call('hdel', KEYS[1], 'finished_at', 'error', 'result', 'summary', 'metrics', 'halving', 'planned_tasks')
       redis.call('del', KEYS[3], KEYS[6])
       local changed, dropped = 0, 0
       if (redis.call('hget', KEYS[1], 'fingerprint') or '') ~= ARGV[1] then
         changed, dropped = 1, redis.call('hlen', KEYS[2])
         redis.call('del', KEYS[2], KEYS[4], KEYS[5])
         redis.call('hset', KEYS[1], 'fingerprint', ARGV[1])
       end
       return {gen, changed, dropped, redis.call('hkeys', KEYS[2])}`,
      6,
      this.k.experiment(id),
      this.k.results(id),
      this.k.taskErrors(id),
      this.k.executions(id),
      // Out-of-fold outputs belong to the results they came with: dropped with them.
      this.k.oof(id),
      // Parts of split tasks are per run (their fields name the generation): the old run's are
      // never merged now, and savePart refuses its late writers.
      this.k.parts(id),
      fingerprint,
    )) as [number, number, number, string[]];
    return { generation, dataChanged: changed === 1, dropped, kept: kept.map(Number).sort((a, b) => a - b) };
  }

  async generation(id: string): Promise<number> {
    return Number((await this.redis.hget(this.k.experiment(id), 'generation')) ?? 0);
  }

  /** Successive-halving state: the schedule and the rounds planned so far; refused (false) when `generation` is not the experiment's current one. */
  async saveHalving(id: string, generation: number, state: HalvingState): Promise<boolean> {
    const planned = state.rounds.reduce((n, r) => n + r.tasks, 0);
    return this.setIfGeneration(id, generation, { halving: JSON.stringify(state), planned_tasks: String(planned) });
  }

  async halving(id: string): Promise<HalvingState | null> {
    const v = await this.redis.hget(this.k.experiment(id), 'halving');
    return v ? (JSON.parse(v) as HalvingState) : null;
  }

  /** Tasks planned so far when rounds are planned as they come (halving); null otherwise. */
  async plannedTasks(id: string): Promise<number | null> {
    const v = await this.redis.hget(this.k.experiment(id), 'planned_tasks');
    return v === null ? null : Number(v);
  }

  /**
   * Stores the aggregated cv_results and out-of-fold metrics of run `generation`; refused
   * (false) when the experiment has been retried since: an earlier run's aggregate holds
   * only that run's results.
   */
  async saveSummary(id: string, generation: number, summary: SearchSummary, metrics: Record<string, unknown>): Promise<boolean> {
    return this.setIfGeneration(id, generation, { summary: JSON.stringify(summary), metrics: JSON.stringify(metrics) });
  }

  private async setIfGeneration(id: string, generation: number, fields: Record<string, string>): Promise<boolean> {
    const set = await plainlyFull(this.redis.eval(
      `if redis.call('exists', KEYS[1]) == 0 or (redis.call('hget', KEYS[1], 'generation') or '0') ~= ARGV[1] then return 0 end
       for i = 2, #ARGV, 2 do redis.call('hset', KEYS[1], ARGV[i], ARGV[i + 1]) end
       return 1`,
      1,
      this.k.experiment(id),
      String(generation),
      ...Object.entries(fields).flat(),
    ));
    if (set === 1) await replicated(this.redis, this.k.experiment(id));
    return set === 1;
  }

  async taskResults(id: string): Promise<TaskResult[]> {
    const h = await this.redis.hgetall(this.k.results(id));
    return Object.values(h).map((v) => JSON.parse(v) as TaskResult);
  }

  /** Indices of the tasks that have a stored result (HKEYS: no result is read), as strings. */
  async taskIds(id: string): Promise<string[]> {
    return this.redis.hkeys(this.k.results(id));
  }

  /** The stored results of `tasks` (HMGET), those that exist. */
  async taskResultsOf(id: string, tasks: readonly string[]): Promise<TaskResult[]> {
    if (tasks.length === 0) return [];
    const values = await this.redis.hmget(this.k.results(id), ...tasks);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as TaskResult);
  }

  /** Task `task`'s stored result, or null. */
  async taskResult(id: string, task: number): Promise<TaskResult | null> {
    const v = await this.redis.hget(this.k.results(id), String(task));
    return v === null ? null : (JSON.parse(v) as TaskResult);
  }

  async doneTasks(id: string): Promise<number> {
    return this.redis.hlen(this.k.results(id));
  }

  /** Keeps the reason task `task` of run `generation` could not run; refused (false) when the experiment has been retried since. */
  async saveTaskError(id: string, generation: number, task: number, error: string): Promise<boolean> {
    const set = await this.redis.eval(
      `if (redis.call('hget', KEYS[1], 'generation') or '0') ~= ARGV[1] then return 0 end
       redis.call('hset', KEYS[2], ARGV[2], ARGV[3])
       return 1`,
      2,
      this.k.experiment(id),
      this.k.taskErrors(id),
      String(generation),
      String(task),
      error,
    );
    if (set === 1) await replicated(this.redis, this.k.experiment(id));
    return set === 1;
  }

  async taskErrors(id: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.k.taskErrors(id));
  }

  /**
   * One round trip at the start of a task of run `run`: returns `'run'` after marking the
   * experiment running, the task started on `worker` and counting the start; `'done'` when its
   * result is already stored (a redelivery); a {@link Staleness} when the experiment has been
   * retried since the job's run began; or the status that means the task must not run
   * (cancelled, failed, missing).
   */
  async beginTask(id: string, task: number, worker: string, run: RunRef, now = Date.now()): Promise<'run' | 'done' | 'cancelled' | 'failed' | 'missing' | Staleness> {
    return (await this.redis.eval(
      `${STALE}
       local s = redis.call('hget', KEYS[1], 'status')
       if not s then return 'missing' end
       local why = stale(KEYS[1], ARGV[4], ARGV[5])
       if why then return why end
       if s == 'cancelled' or s == 'failed' then return s end
       if redis.call('hexists', KEYS[2], ARGV[1]) == 1 then return 'done' end
       if s == 'queued' then redis.call('hset', KEYS[1], 'status', 'running', 'started_at', ARGV[3]) end
       redis.call('hset', KEYS[3], ARGV[1], ARGV[2])
       redis.call('hincrby', KEYS[4], 'started:' .. ARGV[1], 1)
       return 'run'`,
      4,
      this.k.experiment(id),
      this.k.results(id),
      this.k.running(id),
      this.k.executions(id),
      String(task),
      JSON.stringify({ worker, since: now }),
      String(now),
      String(run.generation),
      run.fingerprint,
    )) as 'run' | 'done' | 'cancelled' | 'failed' | 'missing' | Staleness;
  }

  /**
   * One round trip at the end of a task of run `run`: counts the computation, clears its
   * running entry, and stores its result, with the run's generation and fingerprint, unless
   * the experiment has been retried since (a {@link Staleness}: nothing stored) or a result is
   * already there (`'duplicate'`: the first one stays, HSETNX), or the experiment is gone
   * (`'missing'`: nothing written, no key recreated). The check and the write are one Lua
   * script, so a retry cannot slip between them.
   */
  async endTask(id: string, result: TaskResult, run: RunRef): Promise<'stored' | 'duplicate' | 'missing' | Staleness> {
    const outcome = (await this.redis.eval(
      `${STALE}
       if redis.call('exists', KEYS[1]) == 0 then return 'missing' end
       redis.call('hdel', KEYS[3], ARGV[1])
       -- A computation follows a start: this script replayed by the client after a reconnect
       -- (its first reply lost) must not count one computation twice.
       local started = tonumber(redis.call('hget', KEYS[4], 'started:' .. ARGV[1]) or '0')
       if tonumber(redis.call('hget', KEYS[4], 'computed:' .. ARGV[1]) or '0') < started then
         redis.call('hincrby', KEYS[4], 'computed:' .. ARGV[1], 1)
       end
       local why = stale(KEYS[1], ARGV[3], ARGV[4])
       if why then return why end
       if redis.call('hsetnx', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 'duplicate' end
       redis.call('hincrby', KEYS[4], 'stored:' .. ARGV[1], 1)
       return 'stored'`,
      4,
      this.k.experiment(id),
      this.k.results(id),
      this.k.running(id),
      this.k.executions(id),
      String(result.task),
      JSON.stringify({ ...result, generation: run.generation, fingerprint: run.fingerprint }),
      String(run.generation),
      run.fingerprint,
    )) as 'stored' | 'duplicate' | 'missing' | Staleness;
    // The job completes on the queue's master once this returns: the result (and the out-of-fold outputs saved before it) must outlive a failover of the experiment's master.
    if (outcome === 'stored') await replicated(this.redis, this.k.results(id));
    return outcome;
  }

  /** How many times each task was started, computed and stored: what at-least-once delivery cost. */
  async executions(id: string): Promise<TaskExecutions> {
    const counts: TaskExecutions = { started: {}, computed: {}, stored: {} };
    for (const [field, n] of Object.entries(await this.redis.hgetall(this.k.executions(id)))) {
      const [what, task] = field.split(':') as [keyof TaskExecutions, string];
      counts[what][Number(task)] = Number(n);
    }
    return counts;
  }

  /**
   * Stores a task's out-of-fold outputs once, as compact binary in their own hash (not JSON in
   * the results hash, which progress reads on every poll). Call it before {@link endTask}, so
   * that a stored result always has its outputs. Nothing is written for an experiment that is
   * gone (purged while the task ran). Returns whether they were new.
   */
  async saveOof(id: string, task: number, oof: OofOutputs): Promise<boolean> {
    const stored = await plainlyFull(this.redis.eval(
      `if redis.call('exists', KEYS[1]) == 0 then return 0 end
       return redis.call('hsetnx', KEYS[2], ARGV[1], ARGV[2])`,
      2,
      this.k.experiment(id),
      this.k.oof(id),
      String(task),
      Buffer.from(encodeOof(oof)),
    ));
    return stored === 1;
  }

  /** Every task result with its out-of-fold outputs (for the aggregate; progress needs only {@link taskResults}). */
  async taskResultsWithOof(id: string): Promise<TaskResult[]> {
    const [results, oof] = await Promise.all([this.taskResults(id), this.redis.hgetallBuffer(this.k.oof(id))]);
    return results.map((r) => {
      const bytes = oof[String(r.task)];
      return bytes && !r.oof ? { ...r, oof: decodeOof(bytes) } : r;
    });
  }

  /**
   * Deletes every key of the experiment from the store and the index (not its BullMQ jobs:
   * see purgeExperiment). Deleting works even when Redis is out of memory: it is how space is
   * freed. Returns the number of keys deleted.
   */
  async purge(id: string, artifacts: readonly string[] = []): Promise<number> {
    const { experiment, results, taskErrors, running, oof, executions, trials, reports, parts } = this.k;
    // The artifacts it used stop listing it: their users sets would otherwise grow with every experiment ever run.
    if (artifacts.length) {
      const pipeline = this.redis.pipeline();
      for (const sha of artifacts) pipeline.srem(artifactKeys(this.prefix).users(sha), id);
      await pipeline.exec();
    }
    const own = [experiment(id), results(id), taskErrors(id), running(id), oof(id), executions(id), trials(id), reports(id), parts(id)];
    if (this.redis.isCluster) {
      // The index is in another slot than the experiment's keys (see keys): its entry goes last; readers skip an id whose record is gone.
      const deleted = (await this.redis.eval(allowOom(`return redis.call('del', unpack(KEYS))`), own.length, ...own)) as number;
      await this.redis.zrem(this.k.index, id);
      return deleted;
    }
    return (await this.redis.eval(
      allowOom(`redis.call('zrem', KEYS[1], ARGV[1])
       return redis.call('del', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10])`),
      10,
      this.k.index,
      ...own,
      id,
    )) as number;
  }

  /** Bytes of Redis the experiment's store keys take (MEMORY USAGE, every field counted); its BullMQ jobs are bounded by job retention instead. */
  async memoryUsage(id: string): Promise<number> {
    const { experiment, results, taskErrors, running, oof, executions, trials, reports, parts } = this.k;
    const pipeline = this.redis.pipeline();
    for (const key of [experiment(id), results(id), taskErrors(id), running(id), oof(id), executions(id), trials(id), reports(id), parts(id)]) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
    const replies = (await pipeline.exec()) ?? [];
    return replies.reduce((sum, [err, bytes]) => sum + (err ? 0 : Number(bytes ?? 0)), 0);
  }

  /**
   * Records that the experiment's fit tasks run as `parts` jobs each (split by their queries,
   * decided once at submit), so every process derives the same job ids (a cancel, a retry).
   */
  async setTaskParts(id: string, parts: number): Promise<void> {
    await this.redis.hset(this.k.experiment(id), 'task_parts', String(parts));
  }

  /** Jobs per fit task of the experiment: 1 unless it was split at submit. */
  async taskParts(id: string): Promise<number> {
    return Number((await this.redis.hget(this.k.experiment(id), 'task_parts')) ?? 1);
  }

  /**
   * Stores part `part` of task `task` of run `generation` once (HSETNX) and returns how many of
   * the task's parts are stored, counting this one: the job that sees the task's part count
   * merges. A redelivered part stores nothing and gets the count again, so a killed merger's
   * redelivery merges. Returns -1 when nothing is to be done: the experiment is gone (purged)
   * or the task's result is already stored (merged by another delivery), and -2 when
   * `generation` is not the experiment's run any more (retried since: its parts would never be
   * merged, and stayed in Redis until a purge). With `bytes` null (a redelivered part already
   * stored, see {@link hasPart}) it stores nothing and answers the same.
   */
  async savePart(id: string, task: number, generation: number, part: number, bytes: Uint8Array | null): Promise<number> {
    return Number(await plainlyFull(this.redis.eval(
      `if redis.call('exists', KEYS[1]) == 0 or redis.call('hexists', KEYS[2], ARGV[1]) == 1 then return -1 end
       if (redis.call('hget', KEYS[1], 'generation') or '0') ~= ARGV[2] then return -2 end
       local f = ARGV[1] .. ':g' .. ARGV[2]
       if ARGV[4] ~= '' and redis.call('hsetnx', KEYS[3], f .. ':p' .. ARGV[3], ARGV[4]) == 1 then redis.call('hincrby', KEYS[3], f .. ':n', 1) end
       return tonumber(redis.call('hget', KEYS[3], f .. ':n'))`,
      3,
      this.k.experiment(id),
      this.k.results(id),
      this.k.parts(id),
      String(task),
      String(generation),
      String(part),
      // An encoded part is never empty (its header's length comes first): '' means "store nothing".
      bytes ? Buffer.from(bytes) : '',
    )));
  }

  /** Whether part `part` of task `task` of run `generation` is stored (a redelivered part need not compute it again). */
  async hasPart(id: string, task: number, generation: number, part: number): Promise<boolean> {
    return (await this.redis.hexists(this.k.parts(id), `${task}:g${generation}:p${part}`)) === 1;
  }

  /** The stored parts 0..count-1 of a task of run `generation` (null for one not stored). */
  async parts(id: string, task: number, generation: number, count: number): Promise<Array<Uint8Array | null>> {
    if (count <= 0) return [];
    const fields = Array.from({ length: count }, (_, p) => `${task}:g${generation}:p${p}`);
    return this.redis.hmgetBuffer(this.k.parts(id), ...fields);
  }

  /** Deletes a merged task's parts and their count. */
  async deleteParts(id: string, task: number, generation: number, count: number): Promise<void> {
    const fields = Array.from({ length: count }, (_, p) => `${task}:g${generation}:p${p}`);
    await this.redis.hdel(this.k.parts(id), ...fields, `${task}:g${generation}:n`);
  }

  async taskEnded(id: string, task: number): Promise<void> {
    await this.redis.hdel(this.k.running(id), String(task));
  }

  async runningTasks(id: string): Promise<Record<string, { worker: string; since: number }>> {
    const h = await this.redis.hgetall(this.k.running(id));
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, JSON.parse(v)]));
  }

  isTerminal(status: ExperimentStatus | null): boolean {
    return status !== null && TERMINAL.includes(status);
  }
}
