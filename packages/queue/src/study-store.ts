import type { FoldLabel, LearningCurve, Params, PrunerState, TrialRecord } from '@gridfold/core';
import type { Redis } from 'ioredis';
import { keys } from './names.js';

/** KEYS: trials, experiment. ARGV: number, record JSON. The record stored (the one given, or the one already there). */
const BEGIN = `
local had = redis.call('hget', KEYS[1], ARGV[1])
if had then return had end
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]`;

/**
 * KEYS: trials, experiment. ARGV: number, ended record JSON, generation. The study's ended
 * trials after it; -1 when the trial had already ended, -2 when the study was retried since.
 */
const END = `
if (redis.call('hget', KEYS[2], 'generation') or '0') ~= ARGV[3] then return -2 end
local had = redis.call('hget', KEYS[1], ARGV[1])
if had and cjson.decode(had).state ~= 'running' then return -1 end
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
return redis.call('hincrby', KEYS[2], 'trials_done', 1)`;

/**
 * A study's trials in Redis (issue 15): each trial's params are recorded once, when it is first
 * proposed (a redelivered trial runs with the same ones), and how it ended is recorded once,
 * atomically with the count of ended trials, so a trial run twice (a worker died) counts once
 * and nothing stays "running" after its job has ended for good.
 */
export class StudyStore {
  private readonly k: ReturnType<typeof keys>;

  constructor(
    private readonly redis: Redis,
    prefix = 'gridfold',
  ) {
    this.k = keys(prefix);
  }

  /** Every recorded trial, in trial order. */
  async trials(id: string): Promise<TrialRecord[]> {
    const h = await this.redis.hgetall(this.k.trials(id));
    return Object.values(h)
      .map((v) => JSON.parse(v) as TrialRecord)
      .sort((a, b) => a.number - b.number);
  }

  /** Trial `number`'s record, or null before it was proposed. */
  async trial(id: string, number: number): Promise<TrialRecord | null> {
    const v = await this.redis.hget(this.k.trials(id), String(number));
    return v === null ? null : (JSON.parse(v) as TrialRecord);
  }

  /** Records trial `number` as running with `params`, unless it is recorded already; returns the record that stands. */
  async begin(id: string, number: number, params: Params): Promise<TrialRecord> {
    const record: TrialRecord = { number, params, state: 'running' };
    return JSON.parse((await this.redis.eval(BEGIN, 2, this.k.trials(id), this.k.experiment(id), String(number), JSON.stringify(record))) as string) as TrialRecord;
  }

  /** Records how trial `number` ended, once, in run `generation`; returns the ended trials now, or null when it had ended already or the study was retried since. */
  async end(id: string, record: TrialRecord, generation = 0): Promise<number | null> {
    const n = (await this.redis.eval(END, 2, this.k.trials(id), this.k.experiment(id), String(record.number), JSON.stringify(record), String(generation))) as number;
    return n < 0 ? null : n;
  }

  /**
   * A study's trials for a retry: complete and pruned trials stand (a pruned trial is never run
   * again); failed and unfinished ones run again with their recorded params; when the data
   * changed, nothing stands. Returns the trial numbers below `nTrials` to run.
   */
  async reopen(id: string, nTrials: number, dataChanged: boolean): Promise<number[]> {
    // Called on an ended experiment (retry): no job of its run writes here any more.
    if (dataChanged) {
      await this.redis.multi().del(this.k.trials(id), this.k.reports(id)).hset(this.k.experiment(id), 'trials_done', '0').exec();
      return Array.from({ length: nTrials }, (_, n) => n);
    }
    const trials = await this.trials(id);
    const again = trials.filter((t) => t.state !== 'complete' && t.state !== 'pruned');
    const reports = await this.redis.hkeys(this.k.reports(id));
    const stale = reports.filter((f) => again.some((t) => f.startsWith(`${t.number}:`) || f.startsWith(`rungs:${t.number}:`)));
    const tx = this.redis.multi();
    // Params as recorded (JSON, written back as read): the trial runs again with the very same ones.
    for (const t of again) tx.hset(this.k.trials(id), String(t.number), JSON.stringify({ number: t.number, params: t.params, state: 'running' }));
    if (stale.length) tx.hdel(this.k.reports(id), ...stale);
    tx.hset(this.k.experiment(id), 'trials_done', String(trials.length - again.length));
    await tx.exec();
    const standing = new Set(trials.filter((t) => !again.includes(t)).map((t) => t.number));
    return Array.from({ length: nTrials }, (_, n) => n).filter((n) => !standing.has(n));
  }

  /** How many trials have ended. */
  async ended(id: string): Promise<number> {
    return Number((await this.redis.hget(this.k.experiment(id), 'trials_done')) ?? 0);
  }

  /**
   * Stores a trial's reports so far under each fold label given (a fold's, or `'mean'`: the mean
   * across folds in lockstep), in one write; each replaces what was stored under its label, so
   * a trial run again after its worker died stores each step once.
   */
  async saveCurves(id: string, number: number, curves: ReadonlyArray<readonly [FoldLabel, Array<[number, number]>]>): Promise<void> {
    if (curves.length === 0) return;
    await this.redis.hset(this.k.reports(id), Object.fromEntries(curves.map(([fold, c]) => [`${number}:${fold}`, JSON.stringify(c)])));
  }

  /**
   * Every trial's reports under every fold label (`<trial>:<label>`), and the pruning state by
   * the label the pruner judges (ASHA rungs `<trial>:<label>`, estimates by label: "0", "1",
   * ... fold by fold, "mean" in lockstep).
   */
  async reports(id: string): Promise<{ curves: Map<string, Array<[number, number]>>; rungs: Map<string, number[]>; pruner: Map<string, PrunerState> }> {
    const h = await this.redis.hgetall(this.k.reports(id));
    const curves = new Map<string, Array<[number, number]>>();
    const rungs = new Map<string, number[]>();
    const pruner = new Map<string, PrunerState>();
    for (const [field, v] of Object.entries(h)) {
      if (field.startsWith('rungs:')) rungs.set(field.slice(6), JSON.parse(v) as number[]);
      else if (field.startsWith('pruner:')) pruner.set(field.slice(7), JSON.parse(v) as PrunerState);
      else curves.set(field, JSON.parse(v) as Array<[number, number]>);
    }
    return { curves, rungs, pruner };
  }

  /** Stores what a pruning decision changed: the trial's rungs under the fold label judged, and that label's estimates (the first one stands). */
  async savePruning(id: string, number: number, fold: FoldLabel, rungs: number[] | undefined, estimates: PrunerState | undefined): Promise<PrunerState | undefined> {
    if (rungs) await this.redis.hset(this.k.reports(id), `rungs:${number}:${fold}`, JSON.stringify(rungs));
    if (!estimates) return undefined;
    await this.redis.hsetnx(this.k.reports(id), `pruner:${fold}`, JSON.stringify(estimates));
    return JSON.parse((await this.redis.hget(this.k.reports(id), `pruner:${fold}`))!) as PrunerState;
  }
}

/** The stored reports as learning curves (trial number as the cell). */
export function studyCurves(curves: Map<string, Array<[number, number]>>): LearningCurve[] {
  return [...curves].map(([key, c]) => {
    const [cell, label] = key.split(':');
    return { cell: Number(cell), fold: label === 'mean' ? label : Number(label), steps: c.map((p) => p[0]), values: c.map((p) => p[1]) };
  });
}
