import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { keys, runStepIds, stepFailure, type ExperimentStore, type JobData, type QueueShards } from '@gridfold/queue';
import type { Redis } from 'ioredis';

/** Dependencies and settings of a {@link Reaper}. */
export interface ReaperOptions {
  redis: Redis;
  store: ExperimentStore;
  /** The queue shards on the same prefix: an experiment's jobs are on its id's. */
  shards: QueueShards;
  prefix: string;
  /** How often to look, milliseconds. @defaultValue 60000 */
  intervalMs?: number;
  /** How long a run may have no job before it is failed, milliseconds. @defaultValue 300000 */
  graceMs?: number;
}

/** What a run of an experiment has left in the queue. */
type Outlook = { kind: 'alive' } | { kind: 'idle' } | { kind: 'broken'; error: string };

const RUNNABLE = new Set(['active', 'waiting', 'prioritized', 'delayed']);
const PAGE = 500;

// Takes the lock when free, renews it when held by ARGV[1]; 1 when ARGV[1] holds it after.
const LEAD = `local v = redis.call('get', KEYS[1])
if not v then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
return 0`;
const RESIGN = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * Fails the experiments that nothing will ever finish: an unfinished run (queued or running)
 * with no job left that can run (its flow was lost between `store.create` and `flows.add`, or
 * its jobs were lost), after `graceMs` of finding it so; or at once, one whose step job
 * (aggregate, halving step, refit) failed for good while no worker recorded it.
 *
 * Every API runs one; one at a time per deployment looks, the holder of a lock in Redis (SET
 * with a TTL of three intervals, renewed each look), so several APIs do not repeat the work
 * and another takes over when its holder goes away. When a run was first found with no job is
 * kept in Redis too, so the grace period survives a change of holder.
 *
 * Events: `reaped` (experiment id, error) for each experiment it fails; `error` for a look
 * that failed (e.g. Redis unreachable), the next one tries again.
 */
export class Reaper extends EventEmitter {
  /** Looks done by this instance while it held the lock. */
  sweeps = 0;
  private readonly token = randomUUID();
  private readonly intervalMs: number;
  private readonly graceMs: number;
  private readonly k: ReturnType<typeof keys>;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly deps: ReaperOptions) {
    super();
    this.intervalMs = deps.intervalMs ?? 60_000;
    this.graceMs = deps.graceMs ?? 300_000;
    this.k = keys(deps.prefix);
  }

  /** Looks every `intervalMs` from now on, until {@link close}. */
  start(): this {
    const next = () => {
      if (this.closed) return;
      this.timer = setTimeout(() => void this.look().catch((err: Error) => this.emit('error', err)).finally(next), this.intervalMs);
      this.timer.unref();
    };
    next();
    return this;
  }

  /** One look, when this instance holds (or takes) the lock. Returns the ids it failed. */
  async look(now = Date.now()): Promise<string[]> {
    const leads = await this.deps.redis.eval(LEAD, 1, this.k.reaperLock, this.token, String(3 * this.intervalMs));
    if (leads !== 1) return [];
    this.sweeps++;
    const failed: string[] = [];
    for (let start = 0; ; start += PAGE) {
      const ids = await this.deps.redis.zrange(this.k.index, start, start + PAGE - 1);
      // Most experiments have ended: the page's statuses, read at once, skip them.
      const statuses = await Promise.all(ids.map((id) => this.deps.store.status(id)));
      const unfinished = ids.filter((_, i) => statuses[i] !== null && !this.deps.store.isTerminal(statuses[i]));
      for (const id of unfinished) if (await this.lookAt(id, now)) failed.push(id);
      if (ids.length < PAGE) break;
    }
    await this.forgetEnded();
    return failed;
  }

  /** Stops looking and gives up the lock, so another API's reaper takes over at its next look. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    await this.deps.redis.eval(RESIGN, 1, this.k.reaperLock, this.token).catch(() => {});
  }

  /** Whether experiment `id` was failed now. */
  private async lookAt(id: string, now: number): Promise<boolean> {
    const { store, redis } = this.deps;
    const generation = await store.generation(id);
    const outlook = await this.outlook(id, generation);
    if (outlook.kind === 'alive') {
      await redis.hdel(this.k.reaperIdle, id);
      return false;
    }
    let error: string;
    if (outlook.kind === 'broken') {
      error = outlook.error;
    } else {
      const [gen, since] = ((await redis.hget(this.k.reaperIdle, id)) ?? '').split(':').map(Number);
      if (gen !== generation || !Number.isFinite(since)) {
        await redis.hset(this.k.reaperIdle, id, `${generation}:${now}`);
        return false;
      }
      if (now - since < this.graceMs) return false;
      error = `no job left for this experiment (lost at submission or after a crash); retry it with POST /api/experiments/${id}/retry`;
    }
    await redis.hdel(this.k.reaperIdle, id);
    if (!(await store.failRun(id, generation, error))) return false;
    this.emit('reaped', id, error);
    return true;
  }

  /**
   * Whether run `generation` can still make progress: one of its step jobs can run, or waits
   * on a fit task (tasks are only ever children of steps; one waiting on a task is waiting on a
   * job that can run). A step that failed for good breaks the run.
   */
  private async outlook(id: string, generation: number): Promise<Outlook> {
    const { shards, store } = this.deps;
    const queue = shards.queueOf(id);
    const steps = runStepIds(id, generation, await store.halving(id));
    for (const stepId of steps) {
      const state = await queue.getJobState(stepId);
      if (RUNNABLE.has(state)) return { kind: 'alive' };
      if (state === 'failed') {
        const job = await queue.getJob(stepId);
        return { kind: 'broken', error: stepFailure((job?.data as JobData | undefined)?.kind ?? 'step', job?.failedReason ?? 'unknown reason') };
      }
      if (state === 'waiting-children') {
        const { unprocessed = [], nextUnprocessedCursor } = (await (await queue.getJob(stepId))?.getDependencies({ unprocessed: { count: 100 } })) ?? {};
        if (nextUnprocessedCursor || unprocessed.some((key) => !steps.includes(key.slice(key.lastIndexOf(':') + 1)))) return { kind: 'alive' };
      }
    }
    return { kind: 'idle' };
  }

  /** Drops the marks of experiments that have ended (or are gone). */
  private async forgetEnded(): Promise<void> {
    const { redis, store } = this.deps;
    for (const id of await redis.hkeys(this.k.reaperIdle)) {
      const status = await store.status(id);
      if (status === null || store.isTerminal(status)) await redis.hdel(this.k.reaperIdle, id);
    }
  }
}
