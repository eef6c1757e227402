import type { LearningCurve, Params, PrunerState, TrialRecord } from '@gridfold/core';
import type { Redis } from 'ioredis';
import { keys } from './names.js';

/** KEYS: trials, experiment. ARGV: number, record JSON. The record stored (the one given, or the one already there). */
const BEGIN = `
local had = redis.call('hget', KEYS[1], ARGV[1])
if had then return had end
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]`;

/** KEYS: trials, experiment. ARGV: number, ended record JSON. The study's ended trials after it, or -1 when the trial had already ended. */
const END = `
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

  /** Records how trial `number` ended, once; returns the ended trials now, or null when it had ended already. */
  async end(id: string, record: TrialRecord): Promise<number | null> {
    const n = (await this.redis.eval(END, 2, this.k.trials(id), this.k.experiment(id), String(record.number), JSON.stringify(record))) as number;
    return n < 0 ? null : n;
  }

  /** How many trials have ended. */
  async ended(id: string): Promise<number> {
    return Number((await this.redis.hget(this.k.experiment(id), 'trials_done')) ?? 0);
  }

  /** Stores one fold's reports so far. */
  async saveCurve(id: string, number: number, fold: number, curve: Array<[number, number]>): Promise<void> {
    await this.redis.hset(this.k.reports(id), `${number}:${fold}`, JSON.stringify(curve));
  }

  /** Every trial's reports on every fold, and the pruning state (ASHA rungs, estimates). */
  async reports(id: string): Promise<{ curves: Map<string, Array<[number, number]>>; rungs: Map<string, number[]>; pruner: Map<number, PrunerState> }> {
    const h = await this.redis.hgetall(this.k.reports(id));
    const curves = new Map<string, Array<[number, number]>>();
    const rungs = new Map<string, number[]>();
    const pruner = new Map<number, PrunerState>();
    for (const [field, v] of Object.entries(h)) {
      if (field.startsWith('rungs:')) rungs.set(field.slice(6), JSON.parse(v) as number[]);
      else if (field.startsWith('pruner:')) pruner.set(Number(field.slice(7)), JSON.parse(v) as PrunerState);
      else curves.set(field, JSON.parse(v) as Array<[number, number]>);
    }
    return { curves, rungs, pruner };
  }

  /** Stores what a pruning decision changed: the trial's rungs on the fold, and the fold's estimates (the first one stands). */
  async savePruning(id: string, number: number, fold: number, rungs: number[] | undefined, estimates: PrunerState | undefined): Promise<PrunerState | undefined> {
    if (rungs) await this.redis.hset(this.k.reports(id), `rungs:${number}:${fold}`, JSON.stringify(rungs));
    if (!estimates) return undefined;
    await this.redis.hsetnx(this.k.reports(id), `pruner:${fold}`, JSON.stringify(estimates));
    return JSON.parse((await this.redis.hget(this.k.reports(id), `pruner:${fold}`))!) as PrunerState;
  }
}

/** The stored reports as learning curves (trial number as the cell). */
export function studyCurves(curves: Map<string, Array<[number, number]>>): LearningCurve[] {
  return [...curves].map(([key, c]) => {
    const [cell, fold] = key.split(':').map(Number);
    return { cell, fold, steps: c.map((p) => p[0]), values: c.map((p) => p[1]) };
  });
}
