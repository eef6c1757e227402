import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluatePlugin, runExperiment } from '@gridfold/core';
import { hostModules, keys, QUEUE, TaskMetrics } from '@gridfold/queue';
import { Queue } from 'bullmq';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePlugin, type PluginBundle } from '../apps/cli/src/local-files.js';
import { TestCluster, waitFor } from './helpers/cluster.js';

/**
 * TPE studies through the queue (issue 15): trials proposed as workers take them, pruned on
 * their reports, recorded once. With one worker a seeded study is the in-process one, trial for
 * trial; with workers SIGKILLed mid-trial it still ends with every trial complete, pruned or
 * failed (no "zombie" left running) and none counted twice.
 */
const fixture = fileURLToPath(new URL('./fixtures/plugins/curves.ts', import.meta.url));
const FRUIT = fileURLToPath(new URL('../examples/csv-string-labels/fruit-train.csv', import.meta.url));
const FRUIT_BYTES = readFileSync(FRUIT);
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

let bundle: PluginBundle;
beforeAll(async () => {
  bundle = await bundlePlugin('./curves.ts', fixture);
});

function study(extra: Record<string, unknown> = {}) {
  return {
    name: 'climb-queue',
    plugins: ['./curves.ts'],
    artifacts: { './curves.ts': bundle.sha256, 'fruit-train.csv': sha(FRUIT_BYTES) },
    dataset: { source: 'csv', train: 'fruit-train.csv', label: 'fruit' },
    estimator: { name: 'climb' },
    search: { kind: 'tpe', n_trials: 16, seed: 3, parallel: 4 },
    param_space: { x: { float: [-10, 10] }, shape: ['fast', 'slow'] },
    pruner: { kind: 'asha', min_resource: 1, reduction_factor: 3 },
    cv: 2,
    cache: false,
    refit: false,
    ...extra,
  };
}

async function upload(app: TestCluster['api']['app'], bytes: Buffer | string): Promise<void> {
  const r = await request(app).post('/api/artifacts').set('x-artifact-sha256', sha(bytes)).set('content-type', 'application/octet-stream').send(Buffer.from(bytes));
  expect([200, 201]).toContain(r.status);
}

describe('a TPE study through the queue', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'gridfold-artifacts-'));
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  /** Worker processes sharing one artifact cache, with the objective's bundle and the CSV uploaded. */
  async function studyCluster(options: { workers: number; lockMs?: number; stalledMs?: number }): Promise<TestCluster> {
    const cluster = new TestCluster({ ...options, env: { GRIDFOLD_ARTIFACT_CACHE_DIR: cacheDir } });
    try {
      await upload(cluster.api.app, bundle.code);
      await upload(cluster.api.app, FRUIT_BYTES);
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  it('with one worker is the in-process study, trial for trial (same proposals, same pruning)', async () => {
    const cluster = await studyCluster({ workers: 1 });
    try {
      const r = await request(cluster.api.app).post('/api/experiments').send(study());
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const view = await cluster.ended(r.body.id, 120_000);
      expect(view.status, view.error).toBe('completed');
      const plugin = evaluatePlugin(bundle.code, bundle.ref, await hostModules(bundle.code));
      const local = await runExperiment(study(), { plugins: [plugin], files: { 'fruit-train.csv': FRUIT }, id: r.body.id });
      const pick = (cv: any) => ({ params: cv.params, state: cv.trial_state, mean: cv.mean_test_score, step: cv.pruned_step, value: cv.pruned_value });
      expect(pick(view.result.cv_results)).toEqual(pick(local.cv_results));
      expect(view.result.cv_results.trial_state).toContain('pruned');
      expect(view.result.best_params).toEqual(local.best_params);
      // GET /metrics counts each trial as a task: complete and pruned ones as completed, under the trial's estimator.
      const states: string[] = view.result.cv_results.trial_state;
      const ended = states.filter((s) => s !== 'failed').length;
      const counts = await waitFor(async () => {
        const c = await new TaskMetrics(cluster.redis, cluster.prefix).read();
        return c.completed === ended ? c : undefined;
      }, 5_000, `${ended} trials counted as completed tasks`);
      expect(counts.failed).toBe(states.length - ended);
      expect(counts.durations.map((d) => [d.estimator, d.count])).toEqual([['climb', ended]]);
    } finally {
      await cluster.close();
    }
  }, 180_000);

  /** MLPClassifier on 600 MNIST images, a report per epoch: its trials train their folds in lockstep (evaluate/fold-lockstep.ts). */
  function mlpStudy(extra: Record<string, unknown> = {}) {
    return {
      name: 'mlp-lockstep',
      dataset: { source: 'mnist' },
      estimator: { name: 'MLPClassifier', params: { hidden_layer_sizes: [16], max_iter: 6, random_state: 0, tol: 0, n_iter_no_change: 100 } },
      search: { kind: 'tpe', n_trials: 8, seed: 1, n_startup_trials: 4 },
      param_space: { learning_rate_init: { float: [1e-5, 0.1], log: true } },
      pruner: { kind: 'asha', min_resource: 1, reduction_factor: 3 },
      cv: { n_splits: 2, subset: 600 },
      cache: false,
      refit: false,
      ...extra,
    };
  }
  const pickStudy = (r: any) => ({ params: r.cv_results.params, state: r.cv_results.trial_state, mean: r.cv_results.mean_test_score, step: r.cv_results.pruned_step, value: r.cv_results.pruned_value, curves: r.curves });

  it('of a built-in that trains in epochs, with one worker, is the in-process study trial for trial: folds in lockstep, pruned on their mean', async () => {
    const cluster = await studyCluster({ workers: 1 });
    try {
      const r = await request(cluster.api.app).post('/api/experiments').send(mlpStudy());
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const view = await cluster.ended(r.body.id, 120_000);
      expect(view.status, view.error).toBe('completed');
      const local = await runExperiment(mlpStudy(), { id: r.body.id });
      expect(pickStudy(view.result)).toEqual(pickStudy(local));
      const cv = view.result.cv_results;
      expect(cv.trial_state).toContain('pruned');
      // Every trial's mean curve is stored, and a pruned trial is recorded at its mean's last step and value.
      cv.trial_state.forEach((state: string, t: number) => {
        const mean = view.result.curves.find((c: any) => c.cell === t && c.fold === 'mean');
        expect(mean.steps.length).toBeGreaterThan(0);
        if (state === 'pruned') expect([cv.pruned_step[t], cv.pruned_value[t]]).toEqual([mean.steps.at(-1), mean.values.at(-1)]);
      });
    } finally {
      await cluster.close();
    }
  }, 180_000);

  it('cancelled mid-way and retried, keeps its complete and pruned trials as they were and runs the others to the end', async () => {
    const cluster = await studyCluster({ workers: 1 });
    try {
      const spec = study({ estimator: { name: 'climb', params: { sleep_ms: 30 } }, search: { kind: 'tpe', n_trials: 12, seed: 4, parallel: 2 } });
      const r = await request(cluster.api.app).post('/api/experiments').send(spec);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const id = r.body.id as string;
      await waitFor(async () => ((await request(cluster.api.app).get(`/api/experiments/${id}`)).body.progress?.done >= 4 ? true : undefined), 60_000, 'four trials to end');
      expect((await request(cluster.api.app).delete(`/api/experiments/${id}`)).status).toBe(200);
      await cluster.ended(id, 30_000);
      // A trial running at the cancel may still end before its worker stops it (within the cancel
      // check and its grace): the trials that stand are read once no job of the study runs.
      const queue = new Queue(QUEUE, { connection: cluster.redis, prefix: cluster.prefix });
      await waitFor(async () => ((await queue.getActiveCount()) === 0 ? true : undefined), 30_000, 'the cancelled study\'s jobs to stop');
      await queue.close();
      const before = (await cluster.api.store.study().trials(id)).filter((t) => t.state === 'complete' || t.state === 'pruned');
      expect(before.length).toBeGreaterThanOrEqual(4);
      const retry = await request(cluster.api.app).post(`/api/experiments/${id}/retry`);
      expect(retry.status, JSON.stringify(retry.body)).toBe(202);
      expect(retry.body.kept_trials).toBe(before.length);
      const view = await cluster.ended(id, 120_000);
      expect(view.status, view.error).toBe('completed');
      const after = await cluster.api.store.study().trials(id);
      expect(after).toHaveLength(12);
      expect(after.every((t) => ['complete', 'pruned', 'failed'].includes(t.state))).toBe(true);
      // The trials that had ended stand as they were: same params, same state, same value.
      for (const t of before) expect(after.find((a) => a.number === t.number)).toEqual(t);
      expect(Number(await cluster.redis.hget(keys(cluster.prefix).experiment(id), 'trials_done'))).toBe(12);
    } finally {
      await cluster.close();
    }
  }, 180_000);

  it('of a built-in in lockstep, with workers SIGKILLed mid-trial, ends with every trial recorded once and each step of its mean curve stored once', async () => {
    const cluster = await studyCluster({ workers: 2, lockMs: 2000, stalledMs: 1000 });
    try {
      const spec = mlpStudy({ estimator: { name: 'MLPClassifier', params: { hidden_layer_sizes: [32], max_iter: 12, random_state: 0, tol: 0, n_iter_no_change: 100 } }, search: { kind: 'tpe', n_trials: 10, seed: 2, parallel: 2 }, cv: { n_splits: 2, subset: 3000 } });
      const r = await request(cluster.api.app).post('/api/experiments').send(spec);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const id = r.body.id as string;
      const { view, kills } = await killWorkersDuring(cluster, id, 6, 400);
      expect(view.status, view.error).toBe('completed');
      expect(kills).toBeGreaterThan(0);
      const states: string[] = view.result.cv_results.trial_state;
      expect(states).toHaveLength(10);
      expect(states.every((s) => ['complete', 'pruned', 'failed'].includes(s))).toBe(true);
      expect(Number(await cluster.redis.hget(keys(cluster.prefix).experiment(id), 'trials_done'))).toBe(10);
      const executions = await cluster.redis.hgetall(keys(cluster.prefix).executions(id));
      const stored = Object.entries(executions).filter(([k]) => k.startsWith('stored:'));
      expect(stored.length).toBe(await cluster.redis.hlen(keys(cluster.prefix).results(id)));
      expect(stored.filter(([, n]) => Number(n) !== 1)).toEqual([]);
      // A trial run again after its worker died stored its reports again, not beside the first run's: one value a step, steps 1, 2, ...
      for (const c of view.result.curves) expect(c.steps).toEqual(Array.from({ length: c.steps.length }, (_, i) => i + 1));
      expect(view.result.curves.filter((c: any) => c.fold === 'mean')).toHaveLength(10);
      // The kills landed mid-trial: some fold started more than once.
      expect(Object.entries(executions).some(([k, n]) => k.startsWith('started:') && Number(n) > 1)).toBe(true);
      await waitFor(async () => ((await cluster.redis.hlen(keys(cluster.prefix).running(id))) === 0 ? true : undefined), 10_000, 'no task left running');
    } finally {
      await cluster.close();
    }
  }, 300_000);

  it('with two workers SIGKILLed 20 times mid-trial, ends with every trial complete, pruned or failed, each recorded once', async () => {
    const cluster = await studyCluster({ workers: 2, lockMs: 2000, stalledMs: 1000 });
    try {
      const spec = study({ estimator: { name: 'climb', params: { sleep_ms: 80 } }, search: { kind: 'tpe', n_trials: 30, seed: 5, parallel: 4 } });
      const r = await request(cluster.api.app).post('/api/experiments').send(spec);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const id = r.body.id as string;
      const { view, kills } = await killWorkersDuring(cluster, id, 20, 500);
      expect(view.status, view.error).toBe('completed');
      // The count: 20 SIGKILLs during the study.
      expect(kills).toBe(20);
      const states: string[] = view.result.cv_results.trial_state;
      expect(states).toHaveLength(30);
      expect(states.every((s) => ['complete', 'pruned', 'failed'].includes(s))).toBe(true);
      // Each trial's end was counted once: the counter equals the trials, and no fold's result was written twice.
      expect(Number(await cluster.redis.hget(keys(cluster.prefix).experiment(id), 'trials_done'))).toBe(30);
      const executions = await cluster.redis.hgetall(keys(cluster.prefix).executions(id));
      const stored = Object.entries(executions).filter(([k]) => k.startsWith('stored:'));
      // Every fold result stored (pruned folds have none) was written once.
      expect(stored.length).toBe(await cluster.redis.hlen(keys(cluster.prefix).results(id)));
      expect(stored.length).toBeGreaterThan(0);
      expect(stored.filter(([, n]) => Number(n) !== 1)).toEqual([]);
      // The kills landed mid-trial: some fold started more than once.
      expect(Object.entries(executions).some(([k, n]) => k.startsWith('started:') && Number(n) > 1)).toBe(true);
      await waitFor(async () => ((await cluster.redis.hlen(keys(cluster.prefix).running(id))) === 0 ? true : undefined), 10_000, 'no task left running');
    } finally {
      await cluster.close();
    }
  }, 300_000);
});

/**
 * SIGKILLs the cluster's two workers in turn (each started again at once) while study `id` has a
 * trial running, up to `most` times, one every `everyMs` at most; resolves with the study's end.
 */
async function killWorkersDuring(cluster: TestCluster, id: string, most: number, everyMs: number) {
  let kills = 0;
  const killer = (async () => {
    while (kills < most) {
      const v = (await request(cluster.api.app).get(`/api/experiments/${id}`)).body;
      if (['completed', 'failed', 'cancelled'].includes(v.status)) return;
      if (v.progress?.running?.length) {
        const w = cluster.workers[kills % 2];
        await w.kill('SIGKILL');
        kills++;
        w.start();
      }
      await new Promise((res) => setTimeout(res, everyMs));
    }
  })();
  const view = await cluster.ended(id, 240_000);
  await killer;
  return { view, kills };
}
