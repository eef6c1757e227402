import type { ExperimentSpec } from '@gridfold/core';
import { keys, LruMap, type JobData, type JobKind } from '@gridfold/queue';
import type { Redis } from 'ioredis';

/** A worker's wall-clock limits per job kind, milliseconds; a halving step has the aggregate's. */
export interface TimeLimits {
  /** @defaultValue 7200000 (2 h) */
  fit: number;
  /** @defaultValue 600000 (10 min) */
  aggregate: number;
  /** @defaultValue 14400000 (4 h) */
  refit: number;
}

/** The limits of a worker given none (the config's defaults). */
export const DEFAULT_TIME_LIMITS: TimeLimits = { fit: 7_200_000, aggregate: 600_000, refit: 14_400_000 };

const LABELS: Record<JobKind, string> = { fit: 'fit task', aggregate: 'aggregate job', halving: 'halving step', refit: 'refit job', trial: 'trial', gate: 'gate' };

/** Why a job was stopped at its limit: `fit task exceeded its 2s time limit`. */
export function timeLimitMessage(kind: JobKind, limitMs: number): string {
  return `${LABELS[kind] ?? `${kind} job`} exceeded its ${formatDuration(limitMs)} time limit`;
}

/** `2h`, `10min`, `2s`, `1.5s`: the largest whole unit. */
function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}min`;
  return `${ms / 1000}s`;
}

/**
 * The wall-clock limit of each job: its experiment's `timeouts` (a spec's fit_s / refit_s,
 * read once per experiment while kept) or else the worker's default for its kind.
 */
export class JobTimeLimits {
  private readonly specTimeouts = new LruMap<string, Promise<ExperimentSpec['timeouts']>>(256);

  constructor(
    private readonly redis: Redis,
    private readonly defaults: TimeLimits,
  ) {}

  /** The limit of the job with `data`, milliseconds. */
  async limitMs(data: JobData): Promise<number> {
    switch (data.kind) {
      case 'fit': {
        // A batch (spec batch_size) is several fits one after another: the limit is per fit.
        const fits = data.task.batch ? data.task.cells.length : 1;
        return fits * (secondsToMs((await this.timeoutsOf(data))?.fit_s) ?? this.defaults.fit);
      }
      case 'trial':
        // A trial is its folds, fitted one after another in one job: the fit limit bounds the whole trial.
        return secondsToMs((await this.timeoutsOf(data))?.fit_s) ?? this.defaults.fit;
      case 'refit':
        return secondsToMs((await this.timeoutsOf(data))?.refit_s) ?? this.defaults.refit;
      default:
        return this.defaults.aggregate;
    }
  }

  private timeoutsOf({ prefix, experimentId }: JobData): Promise<ExperimentSpec['timeouts']> {
    const key = `${prefix}\n${experimentId}`;
    return this.specTimeouts.getOrSet(key, () =>
      this.redis.hget(keys(prefix).experiment(experimentId), 'spec').then(
        (text) => (text ? (JSON.parse(text) as ExperimentSpec).timeouts : undefined),
        // Not knowing the spec's limit is no reason to fail the job: the default applies, and the next job asks again.
        () => (this.specTimeouts.delete(key), undefined),
      ),
    );
  }
}

const secondsToMs = (s: number | undefined) => (s === undefined ? undefined : Math.round(s * 1000));
