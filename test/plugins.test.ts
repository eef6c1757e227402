import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '@gridfold/api';
import { evaluatePlugin, PluginError, runExperiment } from '@gridfold/core';
import { hostModules } from '@gridfold/queue';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePlugin, type PluginBundle } from '../apps/cli/src/local-files.js';
import { TestCluster, waitFor } from './helpers/cluster.js';

/**
 * Users' own code (issue 14): plugin bundles as `gridfold run` makes them (esbuild), loaded in
 * this process as `--local` does, and through the API (its checking child) and real worker
 * processes that fetch them from Redis. A bad plugin is a 400 or a failed cell with the
 * reason, never a dead worker.
 */
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/plugins/${name}`, import.meta.url));
const example = (path: string) => fileURLToPath(new URL(`../examples/${path}`, import.meta.url));
const FRUIT_TRAIN = readFileSync(example('csv-string-labels/fruit-train.csv'));
const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** A spec sweeping the misbehaving fixture's `flaky` objective over `modes` on the fruit CSV (uploaded as an artifact). */
function flakySpec(bundle: PluginBundle, modes: string[], extra: object = {}) {
  return {
    name: 'flaky',
    plugins: ['./misbehaving.ts'],
    artifacts: { './misbehaving.ts': bundle.sha256, 'fruit-train.csv': sha(FRUIT_TRAIN) },
    dataset: { source: 'csv', train: 'fruit-train.csv', label: 'fruit' },
    estimator: { name: 'flaky' },
    param_grid: { mode: modes },
    cv: 2,
    refit: false,
    ...extra,
  };
}

let misbehaving: PluginBundle;
beforeAll(async () => {
  misbehaving = await bundlePlugin('./misbehaving.ts', fixture('misbehaving.ts'));
});

describe('plugins in one process', () => {
  it('a bundle that does not parse, or a class that does not extend Estimator, is a PluginError naming the plugin', async () => {
    expect(() => evaluatePlugin('exports.x = ;', './x.js', {})).toThrow(PluginError);
    expect(() => evaluatePlugin('exports.x = ;', './x.js', {})).toThrow(/^plugin \.\/x\.js does not parse: /);
    const lookalike = await bundlePlugin('./not-an-estimator.ts', fixture('not-an-estimator.ts'));
    expect(() => evaluatePlugin(lookalike.code, lookalike.ref, {})).toThrow(
      'plugin ./not-an-estimator.ts exports Lookalike, a class with fit and predict that does not extend Estimator from @gridfold/core',
    );
    expect(() => evaluatePlugin('exports.f = require("left-pad")', './y.js', { '@gridfold/core': {} })).toThrow(
      'plugin ./y.js requires "left-pad", which it does not bundle and workers do not provide (they provide @gridfold/core and Node\'s built-in modules)',
    );
  });

  it('source that does not compile is refused by the bundler with its file, line and column', async () => {
    await expect(bundlePlugin('./bad-syntax.ts', fixture('bad-syntax.ts'))).rejects.toThrow(/^plugin \.\/bad-syntax\.ts does not build: bad-syntax\.ts:2:\d+: /);
  });

  it('the bundle does not depend on where the module sits: its sha256 names the code (and the tsconfig.json that compiles it), not the checkout', async () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'gridfold-plugin-')), mkdtempSync(join(tmpdir(), 'gridfold-other-'))];
    try {
      const shas = [];
      for (const dir of dirs) {
        writeFileSync(join(dir, 'misbehaving.ts'), readFileSync(fixture('misbehaving.ts')));
        shas.push((await bundlePlugin('./misbehaving.ts', join(dir, 'misbehaving.ts'))).sha256);
      }
      expect(shas[1]).toBe(shas[0]);
      // Relative to the working directory, as the CLI is given it, is the same file.
      expect((await bundlePlugin('./misbehaving.ts', 'test/fixtures/plugins/misbehaving.ts')).sha256).toBe(misbehaving.sha256);
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an objective that returns NaN or throws fails its cells with the reason; the others score, with their reports as learning curves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridfold-data-'));
    try {
      writeFileSync(join(dir, 'fruit-train.csv'), FRUIT_TRAIN);
      const plugin = evaluatePlugin(misbehaving.code, misbehaving.ref, await hostModules(misbehaving.code));
      const spec = flakySpec(misbehaving, ['ok', 'nan', 'throw']);
      const r = await runExperiment({ ...spec, artifacts: { './misbehaving.ts': misbehaving.sha256 } }, { plugins: [plugin], dataDir: dir });
      expect(r.status, r.error).toBe('completed');
      // The fixture's "ok" mode returns 0.5 and reports 0.25 then 0.5 (misbehaving.ts).
      expect(r.cv_results?.mean_test_score).toEqual([0.5, null, null]);
      const errors = r.errors.map((e) => `${e.cell}:${e.error}`).sort();
      expect(errors).toEqual([
        '1:objective flaky returned NaN, not a finite score',
        '1:objective flaky returned NaN, not a finite score',
        '2:flaky: told to throw',
        '2:flaky: told to throw',
      ]);
      expect(r.curves).toEqual([
        { cell: 0, fold: 0, steps: [1, 2], values: [0.25, 0.5] },
        { cell: 0, fold: 1, steps: [1, 2], values: [0.25, 0.5] },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('examples/custom-estimator: a user\'s GaussianNB gives scikit-learn\'s numbers', () => {
  it('cv_results, best params and test metrics equal GridSearchCV(GaussianNB()) (fixtures/make_custom_estimator_fixtures.py)', async () => {
    const expected = JSON.parse(readFileSync(new URL('../fixtures/custom-estimator/gaussian-nb-fruit.json', import.meta.url), 'utf8'));
    const specPath = example('custom-estimator/spec.json');
    const spec = JSON.parse(readFileSync(specPath, 'utf8'));
    const bundle = await bundlePlugin('./gaussian-nb.ts', example('custom-estimator/gaussian-nb.ts'));
    const plugin = evaluatePlugin(bundle.code, bundle.ref, await hostModules(bundle.code));
    const files = Object.fromEntries(['train', 'test'].map((f) => [spec.dataset[f], join(example('custom-estimator'), spec.dataset[f])]));
    const r = await runExperiment({ ...spec, artifacts: { './gaussian-nb.ts': bundle.sha256 } }, { plugins: [plugin], files });
    expect(r.status, r.error).toBe('completed');
    const cv = r.cv_results!;
    expect(cv.mean_test_score).toEqual(expected.mean_test_score);
    expect(cv.std_test_score).toEqual(expected.std_test_score);
    expected.split_test_scores.forEach((s: number[], k: number) => expect(cv[`split${k}_test_score`]).toEqual(s));
    expect(cv.rank_test_score).toEqual(expected.rank_test_score);
    expect(r.best_params).toEqual(expected.best_params);
    expect(r.test).toEqual(expected.test);
    // var_smoothing is the only param: the six cells share one fit per fold (the plugin's share key).
    expect(r.tasks.total).toBe(4);
  });
});

describe('plugins through the API and worker processes', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'gridfold-artifacts-'));
  const cluster = new TestCluster({ workers: 1, lockMs: 5000, stalledMs: 2000, env: { GRIDFOLD_ARTIFACT_CACHE_DIR: cacheDir } });
  const app = cluster.api.app;
  const upload = async (bytes: Buffer | string) => {
    const r = await request(app).post('/api/artifacts').set('x-artifact-sha256', sha(bytes)).set('content-type', 'application/octet-stream').send(Buffer.from(bytes));
    expect([200, 201], JSON.stringify(r.body)).toContain(r.status);
  };
  const users = async (sha256: string) => (await request(app).get('/api/artifacts')).body.artifacts.find((a: { sha256: string }) => a.sha256 === sha256).experiments as string[];
  beforeAll(async () => {
    await upload(misbehaving.code);
    await upload(FRUIT_TRAIN);
  });
  afterAll(async () => {
    await cluster.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('checks a plugin estimator\'s params with the plugin loaded: an unknown one is a 400 naming it', async () => {
    const spec = { ...flakySpec(misbehaving, ['ok']), estimator: { name: 'FitThrows', params: { fial: true } }, param_grid: undefined };
    const r = await request(app).post('/api/experiments').send(spec);
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([{ path: 'estimator', message: 'FitThrows: unknown parameter "fial"; allowed: fail' }]);
  });

  it('refuses a plugin that does not implement the contract, a missing artifact, and a name no plugin exports, each naming the field', async () => {
    const usersBefore = await users(misbehaving.sha256);
    const lookalike = await bundlePlugin('./not-an-estimator.ts', fixture('not-an-estimator.ts'));
    await upload(lookalike.code);
    const bad = await request(app)
      .post('/api/experiments')
      .send({ ...flakySpec(misbehaving, ['ok']), plugins: ['./not-an-estimator.ts'], artifacts: { './not-an-estimator.ts': lookalike.sha256, 'fruit-train.csv': sha(FRUIT_TRAIN) } });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('plugins.0');
    expect(bad.body.issues[0].message).toMatch(/^plugin \.\/not-an-estimator\.ts exports Lookalike, a class with fit and predict that does not extend Estimator/);
    const missing = await request(app).post('/api/experiments').send({ ...flakySpec(misbehaving, ['ok']), artifacts: { './misbehaving.ts': '0'.repeat(64), 'fruit-train.csv': sha(FRUIT_TRAIN) } });
    expect(missing.status).toBe(400);
    expect(missing.body.issues).toEqual([{ path: 'artifacts../misbehaving.ts', message: `no artifact ${'0'.repeat(64)} is stored: upload it first (POST /api/artifacts; gridfold run uploads what the spec names)` }]);
    const unknown = await request(app).post('/api/experiments').send({ ...flakySpec(misbehaving, ['ok']), estimator: { name: 'flakey' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.issues[0].path).toBe('estimator.name');
    expect(unknown.body.issues[0].message).toContain('got "flakey"');
    // A refused spec made no experiment: none of them is listed as a user of the artifacts it named.
    expect(await users(misbehaving.sha256)).toEqual(usersBefore);
  });

  it('a plugin that throws in fit, returns NaN or never returns fails those cells with the reason; the worker goes on', async () => {
    const spec = {
      ...flakySpec(misbehaving, ['ok', 'nan', 'throw', 'hang']),
      timeouts: { fit_s: 2 },
    };
    const r = await request(app).post('/api/experiments').send(spec);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const view = await cluster.ended(r.body.id, 90_000);
    expect(view.status, view.error).toBe('completed');
    expect(view.result.cv_results.mean_test_score).toEqual([0.5, null, null, null]);
    const reasons = new Map(view.result.errors.map((e: { cell: number; error: string }) => [e.cell, e.error]));
    expect(reasons.get(1)).toBe('objective flaky returned NaN, not a finite score');
    expect(reasons.get(2)).toBe('flaky: told to throw');
    expect(reasons.get(3)).toMatch(/exceeded its 2s time limit/);
    // The worker that killed two hung sandboxes runs the next sweep: a plugin estimator that throws in fit for one cell.
    const next = await request(app)
      .post('/api/experiments')
      .send({ ...flakySpec(misbehaving, []), estimator: { name: 'FitThrows' }, param_grid: { fail: [false, true] } });
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    const after = await cluster.ended(next.body.id, 60_000);
    expect(after.status, after.error).toBe('completed');
    expect(after.result.errors.map((e: { cell: number; error: string }) => `${e.cell}:${e.error}`)).toEqual(['1:FitThrows: told to fail in fit', '1:FitThrows: told to fail in fit']);
  });

  it('shows the learning curves of the tasks done so far while a sweep runs, then the final ones; lists leave them out', async () => {
    // One worker, four tasks: the "ok" cell's two folds report steps 1-2 at once, the "sleep" cell's take 2 s each.
    const spec = { ...flakySpec(misbehaving, []), param_grid: [{ mode: ['ok'] }, { mode: ['sleep'], ms: [2000] }], cache: false };
    const r = await request(app).post('/api/experiments').send(spec);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const partial = await waitFor(async () => {
      const view = (await request(app).get(`/api/experiments/${r.body.id}`)).body;
      return view.curves ? view : undefined;
    }, 30_000, 'the first learning curve', 50);
    // The view reads the record (status) before the task results: a task that finishes in between
    // shows with status still "queued". Either way the sweep has not ended and these are partial.
    expect(['queued', 'running']).toContain(partial.status);
    expect(partial.result).toBeNull();
    expect(partial.curves.length).toBeGreaterThan(0);
    expect(partial.curves.length).toBeLessThan(4);
    for (const c of partial.curves) expect(c).toEqual({ cell: 0, fold: c.fold, steps: [1, 2], values: [0.25, 0.5] });
    const view = await cluster.ended(r.body.id, 60_000);
    expect(view.status, view.error).toBe('completed');
    expect(view.curves).toHaveLength(4);
    expect(view.curves).toEqual(view.result.curves);
    expect(view.curves[3]).toEqual({ cell: 1, fold: 1, steps: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] });
    const list = (await request(app).get('/api/experiments')).body.experiments;
    expect(list.find((e: { id: string }) => e.id === r.body.id)).not.toHaveProperty('curves');
  });

  it('an unchanged plugin reuses the task cache; an edited one (a new bundle, a new sha256) recomputes every cell', async () => {
    const run = async (bundle: PluginBundle) => {
      await upload(bundle.code);
      const spec = { ...flakySpec(bundle, ['ok', 'sleep']), param_grid: { mode: ['ok'], ms: [10, 20] }, refit: false };
      const r = await request(app).post('/api/experiments').send(spec);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const view = await cluster.ended(r.body.id, 60_000);
      expect(view.status, view.error).toBe('completed');
      const { cells_reused: reused, cells_total: total } = view.result.cache;
      return { reused, total };
    };
    expect(await run(misbehaving)).toEqual({ reused: 0, total: 4 });
    expect(await run(misbehaving)).toEqual({ reused: 4, total: 4 });
    // The artifact lists the experiments that used it, until they are purged.
    const [gone] = await users(misbehaving.sha256);
    expect((await request(app).delete(`/api/experiments/${gone}?purge=true`)).status).toBe(200);
    expect(await users(misbehaving.sha256)).not.toContain(gone);
    const dir = mkdtempSync(join(tmpdir(), 'gridfold-plugin-'));
    try {
      writeFileSync(join(dir, 'misbehaving.ts'), readFileSync(fixture('misbehaving.ts'), 'utf8').replace('told to throw', 'told to throw (edited)'));
      const edited = await bundlePlugin('./misbehaving.ts', join(dir, 'misbehaving.ts'));
      expect(edited.sha256).not.toBe(misbehaving.sha256);
      expect(await run(edited)).toEqual({ reused: 0, total: 4 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs a job with plugins only in a process that has loaded no other experiment\'s plugins', async () => {
    const pidOf = async (bundle: PluginBundle) => {
      await upload(bundle.code);
      const r = await request(app).post('/api/experiments').send({ ...flakySpec(bundle, ['pid']), cv: { n_splits: 2 }, cache: false });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const view = await cluster.ended(r.body.id, 60_000);
      expect(view.status, view.error).toBe('completed');
      return view.result.cv_results.mean_test_pid[0] as number;
    };
    const dir = mkdtempSync(join(tmpdir(), 'gridfold-plugin-'));
    try {
      writeFileSync(join(dir, 'misbehaving.ts'), readFileSync(fixture('misbehaving.ts'), 'utf8').replace('told to throw', 'told to throw (other)'));
      const other = await bundlePlugin('./misbehaving.ts', join(dir, 'misbehaving.ts'));
      const first = await pidOf(misbehaving);
      // The same plugins again: the kept process serves them (both folds ran there: the mean is its pid).
      expect(await pidOf(misbehaving)).toBe(first);
      const second = await pidOf(other);
      expect(second).not.toBe(first);
      expect(await pidOf(misbehaving)).not.toBe(second);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a worker with plugins turned off runs none: their tasks fail, and the experiment with them, saying why', async () => {
    const strict = new TestCluster({ workers: 1, env: { GRIDFOLD_ALLOW_PLUGINS: 'false', GRIDFOLD_ARTIFACT_CACHE_DIR: cacheDir } });
    try {
      const put = async (bytes: Buffer | string) =>
        request(strict.api.app).post('/api/artifacts').set('x-artifact-sha256', sha(bytes)).set('content-type', 'application/octet-stream').send(Buffer.from(bytes));
      await put(misbehaving.code);
      await put(FRUIT_TRAIN);
      const r = await request(strict.api.app).post('/api/experiments').send(flakySpec(misbehaving, ['ok']));
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const view = await strict.ended(r.body.id, 60_000);
      expect(view.status).toBe('failed');
      expect(view.error).toBe('every task failed; first reason: this worker does not run plugin code (GRIDFOLD_ALLOW_PLUGINS=false)');
    } finally {
      await strict.close();
    }
  });

  it('a deployment with plugins turned off refuses a spec that names one (403), and stores nothing', async () => {
    const off = createApp({ redis: cluster.redis, prefix: cluster.prefix, allowPlugins: false, logger: pino({ level: 'silent' }) });
    try {
      const before = (await request(app).get('/api/experiments')).body.experiments.length;
      const r = await request(off.app).post('/api/experiments').send(flakySpec(misbehaving, ['ok']));
      expect(r.status).toBe(403);
      expect(r.body).toEqual({ error: 'this deployment does not run plugin code (GRIDFOLD_ALLOW_PLUGINS=false)', issues: [{ path: 'plugins', message: 'plugins are turned off on this deployment' }] });
      expect((await request(app).get('/api/experiments')).body.experiments.length).toBe(before);
      // Nor does it retry an ended experiment that has plugins: the same 403, naming the field.
      const [ended] = await users(misbehaving.sha256);
      const retry = await request(off.app).post(`/api/experiments/${ended}/retry`);
      expect(retry.status).toBe(403);
      expect(retry.body).toEqual(r.body);
    } finally {
      await off.close();
    }
  });
});
