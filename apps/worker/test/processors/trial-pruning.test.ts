import { randomUUID } from 'node:crypto';
import { checkSpec, planExperiment, TrialPruned } from '@gridfold/core';
import { connectRedis, StudyStore } from '@gridfold/queue';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSandboxConfig, SANDBOX_CONFIG_VAR } from '../../src/sandbox-config.js';

// A trial run again after its worker died (the job redelivered) must keep the ASHA rungs its
// first run got through: ASHA promotes once. Real Redis (127.0.0.1:6379 or REDIS_URL) under a
// unique prefix. Hand reasoning, ASHA with min_resource 1 and reduction_factor 2 (Optuna's
// SuccessiveHalvingPruner): rung 0 is judged at step 1, rung 1 at step 2; at a rung a trial
// stays when its value is among the top floor(n / 2) (at least 1) of the n values there.
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
process.env[SANDBOX_CONFIG_VAR] = encodeSandboxConfig({ redisUrl });
const { FoldPruning, MeanPruning } = await import('../../src/processors/trial-pruning.js');

const redis = connectRedis(redisUrl);
const prefix = `test-pruning-${randomUUID()}`;
afterAll(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length) await redis.del(...found);
  redis.disconnect();
});

const plan = planExperiment(
  checkSpec({
    name: 'asha',
    dataset: { source: 'mnist' },
    estimator: { name: 'KNeighborsClassifier' },
    cv: 2,
    search: { kind: 'tpe', n_trials: 10 },
    param_space: { n_neighbors: { int: [1, 30] } },
    pruner: { kind: 'asha', min_resource: 1, reduction_factor: 2 },
  }),
);
const study = new StudyStore(redis, prefix);

/** Trial 0 passes rung 0 alone (0.5 is the top of 1); then trials 1-4 reach rung 0 with 0.9 under `label`. */
async function rungZeroPassedThenBeaten(id: string, label: 'mean' | 0, passFirst: () => Promise<boolean>) {
  await study.begin(id, 0, { n_neighbors: 1 });
  expect(await passFirst()).toBe(false);
  expect((await study.reports(id)).rungs.get(`0:${label}`)).toEqual([0.5]);
  for (let n = 1; n <= 4; n++) {
    await study.begin(id, n, { n_neighbors: n + 1 });
    await study.saveCurves(id, n, [[label, [[1, 0.9]]]]);
    await study.savePruning(id, n, label, [0.9], undefined);
  }
}

describe('a trial run again after its worker died keeps the rungs it got through', () => {
  it('folds in lockstep (MeanPruning): the rerun is not judged at rung 0 again', async () => {
    const id = 'mean';
    await rungZeroPassedThenBeaten(id, 'mean', () => new MeanPruning(plan, id, 0, study).judge([[1, 0.5]]));
    // Judged afresh at rung 0 it would be pruned: 0.5 is not among the top 2 of [0.5, 0.9 x 4].
    const rerun = new MeanPruning(plan, id, 0, study);
    expect(await rerun.judge([[1, 0.5]])).toBe(false);
    // At step 2 it meets rung 1, where no other trial is yet: it stays, with both rungs stored.
    expect(await rerun.judge([[1, 0.5], [2, 0.6]])).toBe(false);
    expect((await study.reports(id)).rungs.get('0:mean')).toEqual([0.5, 0.6]);
  });

  it('fold by fold (FoldPruning): the rerun of fold 0 is not judged at rung 0 again', async () => {
    const id = 'fold';
    await rungZeroPassedThenBeaten(id, 0, async () => {
      const first = await FoldPruning.start(plan, id, 0, 0, study);
      first.report(1, 0.5);
      await first.flush();
      return false;
    });
    const rerun = await FoldPruning.start(plan, id, 0, 0, study);
    expect(() => rerun.report(1, 0.5)).not.toThrow();
    await rerun.flush();
    // A trial that had not passed rung 0 (trial 5, same value) is judged there and pruned.
    await study.begin(id, 5, { n_neighbors: 9 });
    const fresh = await FoldPruning.start(plan, id, 5, 0, study);
    expect(() => fresh.report(1, 0.5)).toThrow(TrialPruned);
    await fresh.flush();
  });
});
