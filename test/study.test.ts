import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareFolds, evaluatePlugin, runExperiment, TpeSampler, type ExperimentResult, type LoadedPlugin, type TpeTrial } from '@gridfold/core';
import { hostModules } from '@gridfold/queue';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundlePlugin } from '../apps/cli/src/local-files.js';

/**
 * TPE studies with pruning, run in one process (issue 15): trials proposed one after another by
 * the TPE sampler from the trials so far, each fold's reports judged by the pruner. The objective
 * is test/fixtures/plugins/curves.ts: a learning curve whose ceiling is highest at x = 3.
 */
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/plugins/${name}`, import.meta.url));
const FRUIT = fileURLToPath(new URL('../examples/csv-string-labels/fruit-train.csv', import.meta.url));

let plugin: LoadedPlugin;
let sha: string;
beforeAll(async () => {
  const bundle = await bundlePlugin('./curves.ts', fixture('curves.ts'));
  plugin = evaluatePlugin(bundle.code, bundle.ref, await hostModules(bundle.code));
  sha = bundle.sha256;
});

const space = { x: { float: [-10, 10] }, shape: ['fast', 'slow'] };
function study(extra: object = {}) {
  return {
    name: 'climb',
    plugins: ['./curves.ts'],
    artifacts: { './curves.ts': sha },
    dataset: { source: 'csv', train: 'fruit-train.csv', label: 'fruit' },
    estimator: { name: 'climb' },
    search: { kind: 'tpe', n_trials: 30, seed: 7 },
    param_space: space,
    cv: 2,
    refit: false,
    ...extra,
  };
}
const run = (spec: object): Promise<ExperimentResult> => runExperiment(spec, { plugins: [plugin], files: { 'fruit-train.csv': FRUIT }, dataDir: join(FRUIT, '..') });

describe('a TPE study in one process', () => {
  it('proposes each trial as TpeSampler does from the trials before it, and is reproducible from its seed', async () => {
    const r = await run(study());
    expect(r.status, r.error).toBe('completed');
    const cv = r.cv_results!;
    expect(cv.params).toHaveLength(30);
    expect(cv.trial_state).toEqual(Array(30).fill('complete'));
    // Replayed: the sampler, given the same history, proposes the same params at every trial.
    const sampler = new TpeSampler(space as never, { seed: 7, direction: 'maximize' });
    const history: TpeTrial[] = [];
    cv.params.forEach((params, i) => {
      expect(sampler.propose(history)).toEqual(params);
      history.push({ params, state: 'complete', value: cv.mean_test_score[i]! });
    });
    expect((await run(study())).cv_results!.params).toEqual(cv.params);
    // The best trial is the best mean score, and TPE found the ceiling's region (x = 3 gives 1 - 0.0 at the top).
    const best = r.best_index!;
    expect(r.best_score).toBe(Math.max(...cv.mean_test_score.map((v) => v ?? -Infinity)));
    expect(Math.abs(Number(cv.params[best].x) - 3)).toBeLessThan(1.5);
  });

  it('with a pruner stops bad trials early, records where, and keeps the best complete trial', async () => {
    const full = await run(study());
    const pruned = await run(study({ pruner: { kind: 'asha', min_resource: 1, reduction_factor: 3 } }));
    expect(pruned.status, pruned.error).toBe('completed');
    const cv = pruned.cv_results!;
    const states = cv.trial_state!;
    expect(states.filter((s) => s === 'pruned').length).toBeGreaterThan(5);
    expect(states.filter((s) => s === 'complete').length).toBeGreaterThan(0);
    states.forEach((s, i) => {
      if (s === 'pruned') {
        expect(cv.pruned_step![i]).toBeGreaterThanOrEqual(1);
        expect(cv.mean_test_score[i]).toBeNull();
      } else expect(cv.pruned_step![i]).toBeNull();
    });
    // Folds run in order: a pruned trial's last fold run is the one stopped, and its curve ends at the recorded step and value.
    const curves = pruned.curves ?? [];
    for (const [i, s] of states.entries()) {
      if (s !== 'pruned') continue;
      const own = curves.filter((c) => c.cell === i).sort((a, b) => compareFolds(a.fold, b.fold));
      expect(own.at(-1)!.steps.at(-1)).toBe(cv.pruned_step![i]);
      expect(own.at(-1)!.values.at(-1)).toBe(cv.pruned_value![i]);
      for (const c of own.slice(0, -1)) expect(c.steps).toHaveLength(12);
    }
    // Fewer steps run in all than without pruning (12 steps x 2 folds x 30 trials).
    const steps = (r: ExperimentResult) => (r.curves ?? []).reduce((n, c) => n + c.steps.length, 0);
    expect(steps(full)).toBe(12 * 2 * 30);
    expect(steps(pruned)).toBeLessThan(steps(full));
    expect(states[pruned.best_index!]).toBe('complete');
  });

  it('reports progress in trials with how they stand (the CLI\'s --local progress line): ended, pruned, running, best so far', async () => {
    const seen: Array<{ done: number; total: number; stage: string; study?: { ended: number; pruned: number; complete: number; failed: number; running: number; best: number | null } }> = [];
    const r = await runExperiment(study({ search: { kind: 'tpe', n_trials: 12, seed: 7 }, pruner: { kind: 'asha', min_resource: 1, reduction_factor: 3 } }), {
      plugins: [plugin],
      files: { 'fruit-train.csv': FRUIT },
      onProgress: (p) => seen.push(p),
    });
    const cv = r.cv_results!;
    const trials = seen.filter((p) => p.study);
    // One line per trial as it ends, counting trials (of n_trials), not tasks.
    expect(trials.map((p) => [p.done, p.total])).toEqual(Array.from({ length: 12 }, (_, i) => [i + 1, 12]));
    const last = trials.at(-1)!.study!;
    expect(last).toEqual({
      ended: 12,
      complete: cv.trial_state!.filter((s) => s === 'complete').length,
      pruned: cv.trial_state!.filter((s) => s === 'pruned').length,
      failed: 0,
      running: 0,
      best: r.best_score,
    });
    expect(last.pruned).toBeGreaterThan(0);
    expect(trials[0].study!.running).toBe(1);
    // The best so far never falls, and each line's is the best complete trial up to it.
    trials.forEach((p, i) => {
      const upTo = cv.mean_test_score.slice(0, i + 1).filter((v, j) => v !== null && cv.trial_state![j] === 'complete') as number[];
      expect(p.study!.best).toBe(upTo.length ? Math.max(...upTo) : null);
    });
    expect(seen.at(-1)).toMatchObject({ stage: 'done', done: 12, total: 12 });
  });

  it('refuses a pruner without a study, naming the field', async () => {
    await expect(run({ ...study({ pruner: { kind: 'median' } }), search: { kind: 'grid' }, param_space: undefined, param_grid: { x: [1] } })).rejects.toThrow(/pruner/);
  });
});


describe('a study of a built-in estimator that trains in epochs', () => {
  it('MLPClassifier reports its validation score every epoch, its folds in lockstep, is pruned on their mean, and a trial that completes scores its last report', async () => {
    const r = await runExperiment({
      name: 'mlp-study',
      dataset: { source: 'mnist' },
      estimator: { name: 'MLPClassifier', params: { hidden_layer_sizes: [16], max_iter: 6, random_state: 0, tol: 0, n_iter_no_change: 100 } },
      search: { kind: 'tpe', n_trials: 8, seed: 1, n_startup_trials: 4 },
      param_space: { learning_rate_init: { float: [1e-5, 0.1], log: true } },
      pruner: { kind: 'median', n_startup_trials: 2 },
      cv: { n_splits: 2, subset: 600 },
      cache: false,
      refit: false,
    });
    expect(r.status, r.error).toBe('completed');
    const cv = r.cv_results!;
    const curves = r.curves ?? [];
    // Every trial reported on its first fold, one report per epoch run.
    for (let t = 0; t < 8; t++) expect(curves.some((c) => c.cell === t && c.fold === 0 && c.steps[0] === 1)).toBe(true);
    for (const c of curves) expect(c.steps).toEqual(Array.from({ length: c.steps.length }, (_, i) => i + 1));
    expect(cv.trial_state).toContain('pruned');
    // The folds train in lockstep and the pruner judges their mean: each trial's 'mean' curve is
    // the mean of its two folds at every step ((a + b) / 2, numpy's mean of two), the folds have
    // run the same steps, and a pruned trial is recorded at its mean's last step and value.
    for (let t = 0; t < 8; t++) {
      const mean = curves.find((c) => c.cell === t && c.fold === 'mean')!;
      const folds = [0, 1].map((f) => curves.find((c) => c.cell === t && c.fold === f)!);
      for (const f of folds) expect(f.steps).toEqual(mean.steps);
      expect(mean.values).toEqual(mean.steps.map((_, i) => (folds[0].values[i] + folds[1].values[i]) / 2));
      if (cv.trial_state![t] === 'pruned') expect([cv.pruned_step![t], cv.pruned_value![t]]).toEqual([mean.steps.at(-1), mean.values.at(-1)]);
    }
    // A complete trial's fold score is the score of its last epoch (no early stopping: the last weights are kept).
    cv.trial_state!.forEach((s, t) => {
      if (s !== 'complete') return;
      for (const fold of [0, 1]) {
        const c = curves.find((x) => x.cell === t && x.fold === fold)!;
        expect(c.steps.at(-1)).toBe(6);
        expect(cv[`split${fold}_test_score`][t]).toBe(c.values.at(-1));
      }
    });
  }, 120_000);
});

describe('a study of a random forest', () => {
  it('grows in blocks of trees when reports are asked for, reporting after each, and gives the very same forest', async () => {
    const { loadMnist, buildEstimator } = await import('@gridfold/core');
    type Forest = Awaited<ReturnType<typeof buildEstimator>> & {
      onStepModel?: (trees: number, model: { trees?: unknown[] }) => Promise<void>;
      predictProba(X: unknown): Promise<{ data: Float64Array }>;
    };
    const forest = () => buildEstimator({ name: 'RandomForestClassifier', params: { n_estimators: 20, random_state: 0 } }) as Forest;
    const { train } = await loadMnist();
    const X = train.X.head(500);
    const y = (train.y as Int32Array).subarray(0, 500);
    const Q = train.X.head(700);
    const plain = await forest().fit(X, y);
    const blocks = forest();
    const steps: number[] = [];
    blocks.onStepModel = async (trees, model) => {
      steps.push(trees);
      expect(model.trees).toHaveLength(trees);
    };
    await blocks.fit(X, y);
    expect(steps).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect((await blocks.predictProba(Q)).data).toEqual((await plain.predictProba(Q)).data);
  });

  it('reports its score per block of trees in a study, and is pruned on it', async () => {
    const r = await runExperiment({
      name: 'forest-study',
      dataset: { source: 'mnist' },
      estimator: { name: 'RandomForestClassifier', params: { n_estimators: 20, random_state: 0 } },
      search: { kind: 'tpe', n_trials: 8, seed: 2, n_startup_trials: 4 },
      param_space: { max_depth: { int: [1, 12] } },
      pruner: { kind: 'median', n_startup_trials: 2 },
      cv: { n_splits: 2, subset: 600 },
      cache: false,
      refit: false,
    });
    expect(r.status, r.error).toBe('completed');
    for (const c of r.curves ?? []) expect(c.steps).toEqual(Array.from({ length: c.steps.length }, (_, i) => 2 * (i + 1)));
    expect(r.cv_results!.trial_state).toContain('pruned');
  }, 120_000);
});
