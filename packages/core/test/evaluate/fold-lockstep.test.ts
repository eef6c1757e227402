import { describe, expect, it } from 'vitest';
import '../../src/estimators/builtins.js';
import type { TaskResult } from '../../src/evaluate/task-result.js';
import { runFoldsInLockstep, trainsInLockstep } from '../../src/evaluate/fold-lockstep.js';

/**
 * A trial's folds in lockstep, on folds made up here whose scores per step are given, so every
 * mean is computed by hand: fold 0 scores 0.5, 0.6, 0.7, 0.8 at steps 1-4, fold 1 0.6, 0.7,
 * 0.8, 0.9, fold 2 0.7, 0.8, 0.9, 1.0; their means are 0.6, 0.7, 0.8, 0.9 (to the last bit:
 * numpy's mean of three is ((a + b) + c) / 3).
 */
const SCORES = [
  [0.5, 0.6, 0.7, 0.8],
  [0.6, 0.7, 0.8, 0.9],
  [0.7, 0.8, 0.9, 1.0],
];
const mean3 = (a: number, b: number, c: number) => (a + b + c) / 3;

/** A fold that trains `scores.length` steps (the last `stopAfter` when it meets its tolerance earlier), reporting each and awaiting the answer; `log` records who did what, in order. */
function fakeFold(fold: number, scores: number[], log: string[], options: { stopAfter?: number; failAt?: number } = {}) {
  return async (onReport: (step: number, value: number) => Promise<void>): Promise<TaskResult> => {
    const steps = options.stopAfter ?? scores.length;
    for (let step = 1; step <= steps; step++) {
      // Folds take different times per step: without the barrier, fold 0 would run ahead.
      await new Promise((r) => setTimeout(r, fold === 0 ? 0 : 3 * fold));
      if (step === options.failAt) return { task: fold, fold, cells: [{ cell: 0, test_score: null, fit_ms: 0, score_ms: 0, error: 'diverged' }], ms: 0 };
      log.push(`fold ${fold} step ${step}`);
      try {
        await onReport(step, scores[step - 1]);
      } catch (err) {
        log.push(`fold ${fold} stopped`);
        // fitAndScore rethrows TrialPruned and turns any other error into a failed cell.
        if ((err as Error).name === 'TrialPruned') throw err;
        return { task: fold, fold, cells: [{ cell: 0, test_score: null, fit_ms: 0, score_ms: 0, error: (err as Error).message }], ms: 0 };
      }
    }
    return { task: fold, fold, cells: [{ cell: 0, test_score: scores[steps - 1], fit_ms: 0, score_ms: 0 }], ms: 0 };
  };
}

describe('runFoldsInLockstep', () => {
  it('holds every fold after each step until all did it, and judges the mean of the three, once a step, in order', async () => {
    const log: string[] = [];
    const judged: Array<Array<[number, number]>> = [];
    const outcome = await runFoldsInLockstep({
      nSplits: 3,
      runFold: (fold, onReport) => fakeFold(fold, SCORES[fold], log)(onReport),
      judge: (mean) => {
        judged.push([...mean]);
        log.push(`judge step ${mean.at(-1)![0]}`);
        return false;
      },
    });
    expect(outcome.state).toBe('complete');
    const means: Array<[number, number]> = [1, 2, 3, 4].map((s) => [s, mean3(SCORES[0][s - 1], SCORES[1][s - 1], SCORES[2][s - 1])]);
    expect(outcome.mean).toEqual(means);
    expect(judged).toEqual(means.map((_, i) => means.slice(0, i + 1)));
    // Each step is done by all three folds, then judged, before any fold takes the next.
    for (let step = 1; step <= 4; step++) {
      const block = log.slice((step - 1) * 4, step * 4);
      expect(block.slice(0, 3).sort()).toEqual([0, 1, 2].map((f) => `fold ${f} step ${step}`));
      expect(block[3]).toBe(`judge step ${step}`);
    }
    expect(outcome.results.map((r) => r.cells[0].test_score)).toEqual([0.8, 0.9, 1.0]);
    expect(outcome.folds).toEqual(SCORES.map((s) => s.map((v, i) => [i + 1, v])));
  });

  it('prunes at the step the judge says, on the mean: every fold stops there, none reports the next step', async () => {
    const log: string[] = [];
    // Prunes from step 2 on when the mean is below 0.75: the mean at step 2 is 0.7, so there.
    const outcome = await runFoldsInLockstep({
      nSplits: 3,
      runFold: (fold, onReport) => fakeFold(fold, SCORES[fold], log)(onReport),
      judge: (mean) => mean.length >= 2 && mean.at(-1)![1] < 0.75,
    });
    expect(outcome.state).toBe('pruned');
    expect(outcome.pruned).toEqual({ step: 2, value: mean3(0.6, 0.7, 0.8) });
    expect(outcome.results).toEqual([]);
    expect(log.filter((l) => l.includes('step 3'))).toEqual([]);
    expect(log.filter((l) => l.endsWith('stopped')).sort()).toEqual(['fold 0 stopped', 'fold 1 stopped', 'fold 2 stopped']);
    expect(outcome.mean.map(([s]) => s)).toEqual([1, 2]);
  });

  it('counts a fold that stopped training earlier with its last score, the one its final model has', async () => {
    const log: string[] = [];
    const outcome = await runFoldsInLockstep({
      nSplits: 3,
      // Fold 1 meets its tolerance after step 2: at steps 3 and 4 it counts with 0.7.
      runFold: (fold, onReport) => fakeFold(fold, SCORES[fold], log, fold === 1 ? { stopAfter: 2 } : {})(onReport),
      judge: () => false,
    });
    expect(outcome.state).toBe('complete');
    expect(outcome.mean.map(([, v]) => v)).toEqual([mean3(0.5, 0.6, 0.7), mean3(0.6, 0.7, 0.8), mean3(0.7, 0.7, 0.9), mean3(0.8, 0.7, 1.0)]);
  });

  it('fails the trial when a fold fails, stopping the others at their next step', async () => {
    const log: string[] = [];
    const outcome = await runFoldsInLockstep({
      nSplits: 3,
      runFold: (fold, onReport) => fakeFold(fold, SCORES[fold], log, fold === 2 ? { failAt: 2 } : {})(onReport),
      judge: () => false,
    });
    expect(outcome.state).toBe('failed');
    // Only the failed fold's own result: the others' were stopped, not failed.
    expect(outcome.results.map((r) => [r.fold, r.cells[0].error])).toEqual([[2, 'diverged']]);
    expect(log.filter((l) => l.includes('step 3'))).toEqual([]);
  });

  it('passes on an error of the judge (the trial task fails, nothing is recorded as pruned)', async () => {
    const log: string[] = [];
    await expect(
      runFoldsInLockstep({
        nSplits: 3,
        runFold: (fold, onReport) => fakeFold(fold, SCORES[fold], log)(onReport),
        judge: async () => {
          throw new Error('Redis went away');
        },
      }),
    ).rejects.toThrow('Redis went away');
  });
});

describe('trainsInLockstep', () => {
  it('holds for a pruned study of a built-in that reports per step, alone or last in a Pipeline, and not otherwise', () => {
    const asha = { kind: 'asha' };
    expect(trainsInLockstep({ pruner: asha, estimator: { name: 'MLPClassifier' } }, {})).toBe(true);
    expect(trainsInLockstep({ pruner: asha, estimator: { name: 'Pipeline', steps: [{ name: 'StandardScaler' }, { name: 'SGDClassifier' }] } }, {})).toBe(true);
    expect(trainsInLockstep({ pruner: asha, estimator: { name: 'RandomForestClassifier' } }, {})).toBe(true);
    expect(trainsInLockstep({ pruner: { kind: 'none' }, estimator: { name: 'MLPClassifier' } }, {})).toBe(false);
    expect(trainsInLockstep({ pruner: asha, estimator: { name: 'KNeighborsClassifier' } }, {})).toBe(false);
  });
});
