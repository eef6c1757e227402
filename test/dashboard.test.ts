import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type GridfoldApp } from '@gridfold/api';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePlugin } from '../apps/cli/src/local-files.js';
import { launchChromium, type HeadlessBrowser } from './helpers/browser.js';
import { TestCluster } from './helpers/cluster.js';

// The dashboard in real headless Chromium against the real API, real Redis and two real
// worker processes. The sweeps are the form's quick examples (2,000 MNIST images, cv=3);
// expected values are not hard-coded: the page must show what the API returns.
const BUILD = fileURLToPath(new URL('../apps/dashboard/build-if-stale.mjs', import.meta.url));
const SHOTS = process.env.GRIDFOLD_SCREENSHOT_DIR ?? join(tmpdir(), 'gridfold-dashboard-shots');
// The data directory of the API and workers: the CSV with class names of fixtures/make_csv_labels_fixtures.py.
const CSV_DIR = fileURLToPath(new URL('../fixtures/csv-labels/', import.meta.url));
// Objectives that report learning curves (its `flaky`: 2 reports by default, 10 with mode "sleep").
const MISBEHAVING = fileURLToPath(new URL('./fixtures/plugins/misbehaving.ts', import.meta.url));
// A cheap objective with a learning curve (`climb`: 12 reports a fold), for a TPE study.
const CURVES = fileURLToPath(new URL('./fixtures/plugins/curves.ts', import.meta.url));

let cluster: TestCluster;
let chrome: HeadlessBrowser;
const servers: Server[] = [];
const apps: GridfoldApp[] = [];
let base: string;

function listen(app: GridfoldApp): Promise<string> {
  return new Promise((resolve) => {
    const s = app.app.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as { port: number }).port}`));
    servers.push(s);
  });
}

/** A screenshot is a real picture: decodes, has size, and is not one colour (nor nearly). */
function expectPicture(png: Buffer, name: string, minColours: number): void {
  writeFileSync(join(SHOTS, `dashboard-${name}.png`), png);
  const img = PNG.sync.read(png);
  expect(img.width * img.height).toBeGreaterThan(0);
  const counts = new Map<number, number>();
  for (let i = 0; i < img.data.length; i += 4) {
    const c = (img.data[i] << 16) | (img.data[i + 1] << 8) | img.data[i + 2];
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  expect(counts.size, `${name}: distinct colours`).toBeGreaterThanOrEqual(minColours);
  expect(Math.max(...counts.values()) / (img.width * img.height), `${name}: share of the commonest colour`).toBeLessThan(0.97);
}

/** An ECharts chart (SVG renderer) is drawn: axis names as SVG text, enough shapes, a non-blank picture. */
async function expectChart(page: Page, name: string, axisNames: string[], minPaths: number): Promise<void> {
  const svg = page.locator(`[data-chart="${name}"] svg`);
  await svg.waitFor();
  const texts = await svg.locator('text').allTextContents();
  for (const a of axisNames) expect(texts, `${name} axis "${a}"`).toContain(a);
  expect(await svg.locator('path').count(), `${name}: shapes`).toBeGreaterThanOrEqual(minPaths);
  expectPicture(await page.locator(`[data-chart="${name}"]`).screenshot(), `chart-${name}`, 4);
}

/**
 * The lines the learning-curves chart drew in its plot area (legend icons and point symbols
 * are placed by a transform; the plot's lines are not), told apart as charts/learning-curves.ts
 * draws them: a fold faint (stroke-opacity 0.35), a cell's mean 2.5 wide, the best cell's 4.
 */
async function drawnLines(page: Page): Promise<{ folds: number; means: number; best: number }> {
  const lines = await page
    .locator('[data-chart="learning-curves"] svg path[fill="none"]:not([transform])')
    .evaluateAll((ps) => ps.map((p) => ({ opacity: p.getAttribute('stroke-opacity'), width: p.getAttribute('stroke-width') })));
  return {
    folds: lines.filter((l) => l.opacity === '0.35').length,
    means: lines.filter((l) => l.width === '2.5').length,
    best: lines.filter((l) => l.width === '4').length,
  };
}

/**
 * What the study's charts drew, told apart by how charts/study.ts and learning-curves.ts style
 * them: history marks by symbol (filled blue dots for complete trials, hollow grey triangles for
 * pruned ones; the legend's icons, one each, left out), the red best-so-far line, parallel lines by
 * width (1.5 a complete trial, 3.5 the best), importance bars, and learning-curve means (2.5 wide,
 * 4 the best) that are dashed.
 */
async function studyMarks(page: Page): Promise<Record<string, number>> {
  const attrs = (chart: string, selector: string) =>
    page.locator(`[data-chart="${chart}"] svg ${selector}`).evaluateAll((ps) => ps.map((p) => Object.fromEntries(Array.from(p.attributes, (a) => [a.name, a.value]))));
  const history = await attrs('history', 'path');
  const complete = history.filter((p) => p.fill === '#5470c6' && p.transform).length - 1;
  const pruned = history.filter((p) => p.stroke === '#9ca3af' && p.transform).length - 1;
  const bestLine = history.filter((p) => p.stroke === '#d62728' && p.fill === 'none' && !p.transform).length;
  const parallel = await attrs('parallel', 'path[fill="none"]');
  const parallelLines = parallel.filter((p) => p['stroke-width'] === '1.5' || p['stroke-width'] === '3.5').length;
  const bars = (await attrs('importance', 'path')).filter((p) => p.fill === '#5470c6').length;
  const curves = await attrs('learning-curves', 'path[fill="none"]:not([transform])');
  const dashedMeans = curves.filter((p) => (p['stroke-width'] === '2.5' || p['stroke-width'] === '4') && p['stroke-dasharray']).length;
  return { points: complete + pruned, complete, pruned, bestLine, parallelLines, bars, dashedMeans };
}

async function launchExample(page: Page, prefix: string, at = base): Promise<string> {
  await page.goto(`${at}/`);
  const label = await page.$$eval('#example option', (os, p) => os.map((o) => (o as HTMLOptionElement).value).find((v) => v.startsWith(p)), prefix);
  await page.selectOption('#example', label!);
  await page.click('#launch');
  await page.waitForURL(/\/experiments\/[0-9a-f-]+$/);
  return page.url().split('/').pop()!;
}

/** Follows the first fold score's link into Bull Board and waits for the job's page. */
async function openJobInBullBoard(page: Page, id: string): Promise<void> {
  const link = page.locator('a[data-job]').first();
  const job = (await link.getAttribute('data-job'))!;
  expect(job).toMatch(new RegExp(`^${id}\\.g0\\.t\\d+$`));
  await link.click();
  await page.waitForURL(/\/admin\/queues\/queue\/gridfold-jobs\//);
  await page.getByText(job).first().waitFor();
}

async function apiGet<T>(path: string): Promise<T> {
  return (await fetch(`${base}${path}`)).json() as Promise<T>;
}

beforeAll(async () => {
  execFileSync(process.execPath, [BUILD], { stdio: 'ignore' });
  mkdirSync(SHOTS, { recursive: true });
  cluster = new TestCluster({ workers: 2, dataDir: CSV_DIR });
  apps.push(cluster.api);
  base = await listen(cluster.api);
  chrome = await launchChromium();
}, 60_000);

afterAll(async () => {
  await chrome?.close();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await Promise.all(apps.slice(1).map((a) => a.close()));
  await cluster?.close();
});

/** Uploads a plugin's bundle to the API under test and opens the submit page, collecting the page's errors. */
async function pluginPage(ref: string, path: string) {
  const bundle = await bundlePlugin(ref, path);
  const up = await fetch(`${base}/api/artifacts`, {
    method: 'POST',
    headers: { 'x-artifact-sha256': createHash('sha256').update(bundle.code).digest('hex'), 'content-type': 'application/octet-stream' },
    body: bundle.code,
  });
  expect([200, 201]).toContain(up.status);
  const page = await chrome.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${base}/`);
  return { bundle, page, errors };
}

describe('dashboard (headless Chromium)', () => {
  it('launches a KNN grid from the form, follows it live to 100 %, draws the heatmap and links folds to Bull Board', async () => {
    const page = await chrome.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const csp = (await fetch(`${base}/`)).headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    await page.goto(`${base}/`);
    await page.locator('.live-state', { hasText: 'live' }).waitFor();
    expectPicture(await page.screenshot({ fullPage: true }), 'list-empty', 20);

    const id = await launchExample(page, 'knn-grid-2000');
    await page.locator('#progress [data-percent="100"]').waitFor({ timeout: 60_000 });
    await page.locator('h1 [data-status="completed"]').waitFor({ timeout: 60_000 });
    await page.locator('#summary').waitFor();

    const api = await apiGet<{ result: { best_index: number; best_params: Record<string, unknown>; cv_results: { params: unknown[] }; test: { accuracy: number } } }>(`/api/experiments/${id}`);
    const rows = page.locator('table.cv-results tbody tr');
    expect(await rows.count()).toBe(api.result.cv_results.params.length);
    await expect.poll(() => page.locator('tr.best').getAttribute('data-cell')).toBe(String(api.result.best_index));
    expect(await page.locator('#summary').textContent()).toContain(api.result.test.accuracy.toFixed(6));
    await expectChart(page, 'heatmap', ['n_neighbors', 'weights'], 6);
    expectPicture(await page.screenshot({ fullPage: true }), 'grid', 50);
    // Not a study: no optimisation history, parallel coordinates or importance.
    for (const section of ['#optimisation-history', '#parallel-coordinates', '#param-importance']) expect(await page.locator(section).isHidden(), section).toBe(true);
    for (const chart of ['history', 'parallel', 'importance']) expect(await page.locator(`[data-chart="${chart}"] svg`).count(), chart).toBe(0);
    // KNN reports nothing while it fits: no learning curves, not even an empty chart.
    expect(await page.locator('#learning-curves').isHidden()).toBe(true);
    expect(await page.locator('[data-chart="learning-curves"] svg').count()).toBe(0);

    // A score column sorts descending on the first click: the best cell comes first.
    await page.click('th[data-sort="mean_test_score"]');
    await page.locator('th.sorted-desc[data-sort="mean_test_score"]').waitFor();
    expect(await rows.first().getAttribute('data-cell')).toBe(String(api.result.best_index));

    const csv = page.waitForEvent('download');
    await page.click('[data-action="csv"]');
    const csvText = readFileSync((await (await csv).path())!, 'utf8').trim().split('\n');
    expect(csvText[0]).toContain('mean_test_score');
    expect(csvText).toHaveLength(api.result.cv_results.params.length + 1);
    const json = page.waitForEvent('download');
    await page.click('[data-action="json"]');
    expect(JSON.parse(readFileSync((await (await json).path())!, 'utf8')).best_params).toEqual(api.result.best_params);

    // No script errors, blocked resources or CSP violations on the dashboard's own pages.
    expect(errors).toEqual([]);
    await openJobInBullBoard(page, id);
    // One queue holds every job of the flow; the task's page names its kind, fold and cells.
    await page.getByText(/^fit · fold \d+ · cells /).first().waitFor();
    expectPicture(await page.screenshot(), 'bull-board', 20);
    await page.close();
  }, 120_000);

  it('draws PR, ROC and confusion-matrix plots of a 5-detector, and the 3-vs-5 digit grid', async () => {
    const page = await chrome.context.newPage();
    await launchExample(page, 'knn-5-detector-2000');
    await page.locator('h1 [data-status="completed"]').waitFor({ timeout: 60_000 });
    await expectChart(page, 'pr-threshold', ['threshold', 'score', 'precision', 'recall'], 3);
    await expectChart(page, 'precision-recall', ['recall', 'precision'], 2);
    await expectChart(page, 'roc', ['false positive rate (fall-out)', 'true positive rate (recall)'], 3);
    await expectChart(page, 'confusion_matrix', ['predicted label', 'true label'], 4);
    await expectChart(page, 'confusion_matrix_normalized_true', ['predicted label', 'true label'], 4);
    expectPicture(await page.screenshot({ fullPage: true }), 'curves', 50);

    await launchExample(page, 'knn-errors-2000');
    await page.locator('h1 [data-status="completed"]').waitFor({ timeout: 60_000 });
    await expectChart(page, 'confusion_matrix_normalized_errors_true', ['predicted label', 'true label'], 10);
    const digits = page.locator('[data-error-grid="3-5"] img.digit');
    await expect.poll(() => digits.evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth === 56).length)).toBeGreaterThan(10);
    expectPicture(await page.locator('[data-error-grid="3-5"]').screenshot(), 'error-grid', 10);
    await page.close();
  }, 120_000);

  it('names the classes of a CSV with class names: confusion matrix axes, summary and test examples', async () => {
    const page = await chrome.context.newPage();
    await page.goto(`${base}/`);
    await page.fill('#spec', JSON.stringify({
      name: 'csv-species',
      dataset: { source: 'csv', train: 'train.csv', test: 'test.csv.gz', label: 'species' },
      estimator: { name: 'Pipeline', steps: [{ name: 'StandardScaler' }, { name: 'SGDClassifier', params: { random_state: 42, alpha: 0.01 } }] },
      cv: 3,
      refit: { examples: 5 },
      oof: { methods: ['predict'], metrics: ['confusion_matrix'] },
    }));
    await page.click('#launch');
    await page.waitForURL(/\/experiments\/[0-9a-f-]+$/);
    const id = page.url().split('/').pop()!;
    await page.locator('h1 [data-status="completed"]').waitFor({ timeout: 60_000 });
    const { result } = await apiGet<{ result: { classes: string[]; test_examples: Array<{ index: number; target: string; prediction: string }> } }>(`/api/experiments/${id}`);
    expect(result.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    await expectChart(page, 'confusion_matrix', ['predicted label', 'true label', ...result.classes], 4);
    expect(await page.locator('#summary').textContent()).toContain('setosa, versicolor, virginica');
    const rows = page.locator('[data-examples] tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)))).toEqual(
      result.test_examples.map((e) => [String(e.index), e.target, e.prediction]),
    );
    expectPicture(await page.locator('[data-examples]').screenshot(), 'class-examples', 3);
    await page.close();
  }, 60_000);

  it('plots an objective\'s learning curves live: a bold line per cell (mean over folds), a faint one per fold, the best cell marked', async () => {
    const { bundle, page, errors } = await pluginPage('./misbehaving.ts', MISBEHAVING);
    // Two cells, three folds, two workers: "ok" reports steps 1-2 and is done at once; "sleep" reports steps 1-10 over 3 s a fold.
    await page.fill('#spec', JSON.stringify({
      name: 'flaky-curves',
      plugins: ['./misbehaving.ts'],
      artifacts: { './misbehaving.ts': bundle.sha256 },
      dataset: { source: 'csv', train: 'train.csv', label: 'species' },
      estimator: { name: 'flaky' },
      param_grid: [{ mode: ['ok'] }, { mode: ['sleep'], ms: [3000] }],
      cv: 3,
      refit: false,
    }));
    await page.click('#launch');
    await page.waitForURL(/\/experiments\/[0-9a-f-]+$/);
    const id = page.url().split('/').pop()!;

    // Drawn while the sweep runs (the "sleep" folds take 3 s each), from the "ok" folds done so far.
    await page.locator('[data-chart="learning-curves"] svg').waitFor({ timeout: 30_000 });
    const during = await drawnLines(page);
    const status = await page.locator('h1 [data-status]').getAttribute('data-status');
    const running = await apiGet<{ status: string; curves?: Array<{ cell: number; fold: number; steps: number[] }> }>(`/api/experiments/${id}`);
    // The event may pair a status read just before the first task began ("queued") with its result.
    expect(['queued', 'running']).toContain(status);
    expect(running.status).toBe('running');
    expect(running.curves?.length).toBeGreaterThan(0);
    expect(running.curves!.every((c) => c.cell === 0 && c.steps.join() === '1,2')).toBe(true);
    expect(during.means + during.best).toBe(1);
    expect(during.folds).toBeGreaterThanOrEqual(1);

    await page.locator('h1 [data-status="completed"]').waitFor({ timeout: 60_000 });
    const done = await apiGet<{ result: { best_index: number; cv_results: { params: Array<Record<string, unknown>> }; curves: unknown[] }; curves: unknown[] }>(`/api/experiments/${id}`);
    expect(done.curves).toEqual(done.result.curves);
    expect(done.result.curves).toHaveLength(6);
    // One line per (cell, fold) and one per cell; the best ("sleep", score 1 against 0.5) thickest.
    await expect.poll(() => drawnLines(page)).toEqual({ folds: 6, means: 1, best: 1 });
    await expectChart(page, 'learning-curves', ['step', 'reported value'], 8);
    const legend = await page.locator('[data-chart="learning-curves"] svg text').allTextContents();
    const bestMode = done.result.cv_results.params[done.result.best_index].mode;
    expect(bestMode).toBe('sleep');
    expect(legend.filter((t) => t.startsWith('★'))).toEqual([expect.stringContaining('mode=sleep')]);
    expect(legend).toContain('mode=ok');
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('draws a TPE study live: optimisation history, learning curves with pruned trials dashed, parallel coordinates and parameter importance', async () => {
    const { bundle, page, errors } = await pluginPage('./curves.ts', CURVES);
    // 12 trials one after another (parallel 1: the in-process study, trial for trial, so seed 7 gives 6 complete and 6 pruned),
    // each fold 12 reports 40 ms apart (about 1 s a trial): long enough to watch it live.
    await page.fill('#spec', JSON.stringify({
      name: 'climb-study',
      plugins: ['./curves.ts'],
      artifacts: { './curves.ts': bundle.sha256 },
      dataset: { source: 'csv', train: 'train.csv', label: 'species' },
      estimator: { name: 'climb', params: { sleep_ms: 40 } },
      search: { kind: 'tpe', n_trials: 12, n_startup_trials: 4, seed: 7, parallel: 1 },
      param_space: { x: { float: [-10, 10] }, shape: ['fast', 'slow'] },
      // Rungs at steps 2, 4 and 8: half the trials pruned, enough left complete to rank the parameters.
      pruner: { kind: 'asha', min_resource: 2, reduction_factor: 2 },
      cv: 2,
      cache: false,
      refit: false,
    }));
    await page.click('#launch');
    await page.waitForURL(/\/experiments\/[0-9a-f-]+$/);
    const id = page.url().split('/').pop()!;

    // Live: the history is drawn before the study ends, from the trials ended so far.
    await page.locator('[data-chart="history"] svg').waitFor({ timeout: 30_000 });
    const during = await studyMarks(page);
    const running = await apiGet<{ status: string; progress: { done: number } }>(`/api/experiments/${id}`);
    expect(running.status).toBe('running');
    expect(during.points).toBeLessThan(12);

    await page.locator('h1 [data-status="completed"]').waitFor({ timeout: 90_000 });
    const done = await apiGet<{ result: { best_index: number; cv_results: { params: unknown[]; trial_state: string[]; pruned_step: Array<number | null> } } }>(`/api/experiments/${id}`);
    const states = done.result.cv_results.trial_state;
    const n = (s: string) => states.filter((t) => t === s).length;
    expect(states).toHaveLength(12);
    expect(n('pruned')).toBeGreaterThan(0);
    expect(n('complete')).toBeGreaterThanOrEqual(4);
    // History: one mark per trial ended (none failed here), a best-so-far line; parallel coordinates: a line per complete trial;
    // importance: a bar per parameter; learning curves: a pruned trial's mean dashed.
    await expect.poll(() => studyMarks(page), { timeout: 10_000 }).toEqual({
      points: 12,
      complete: n('complete'),
      pruned: n('pruned'),
      bestLine: 1,
      parallelLines: n('complete'),
      bars: 2,
      dashedMeans: n('pruned'),
    });
    await expectChart(page, 'history', ['trial', 'score'], 12);
    await expectChart(page, 'parallel', ['x', 'shape', 'score'], 5);
    // Importance bars may be empty (0: a parameter TPE has settled explains nothing among the complete trials), so no picture check.
    const importanceTexts = await page.locator('[data-chart="importance"] svg text').allTextContents();
    expect(importanceTexts).toEqual(expect.arrayContaining(['x', 'shape', 'share of score variance explained (ε²)']));
    expect(importanceTexts.filter((t) => /^\d\.\d\d$/.test(t))).toHaveLength(2);
    await expectChart(page, 'learning-curves', ['step', 'reported value'], 12);
    expect(await page.locator('#importance-method').textContent()).toContain('fANOVA');
    // The learning curves name a pruned trial by where it stopped; the grid's heatmap is not drawn for a study.
    const stopped = states.findIndex((s) => s === 'pruned');
    expect(await page.locator('[data-chart="learning-curves"] svg text').allTextContents()).toContain(`trial ${stopped} (pruned at step ${done.result.cv_results.pruned_step[stopped]})`);
    expect(await page.locator('#heatmap').isHidden()).toBe(true);
    expectPicture(await page.screenshot({ fullPage: true }), 'study', 50);
    expect(errors).toEqual([]);
    await page.close();
  }, 150_000);

  it('draws a study of a built-in whose folds train in lockstep: each trial\'s bold line is the mean its pruner judged, a faint line per fold', async () => {
    const page = await chrome.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/`);
    // SGDClassifier reports its validation accuracy every epoch; 8 trials one after another, rungs at epochs 1, 2 and 4.
    await page.fill('#spec', JSON.stringify({
      name: 'sgd-lockstep-study',
      dataset: { source: 'csv', train: 'train.csv', label: 'species' },
      estimator: { name: 'SGDClassifier', params: { max_iter: 8, tol: null, random_state: 0 } },
      search: { kind: 'tpe', n_trials: 8, n_startup_trials: 4, seed: 3, parallel: 1 },
      param_space: { alpha: { float: [1e-6, 10], log: true } },
      pruner: { kind: 'asha', min_resource: 1, reduction_factor: 2 },
      cv: 2,
      cache: false,
      refit: false,
    }));
    await page.click('#launch');
    await page.waitForURL(/\/experiments\/[0-9a-f-]+$/);
    const id = page.url().split('/').pop()!;
    await page.locator('h1 [data-status="completed"]').waitFor({ timeout: 90_000 });
    const done = await apiGet<{ result: { cv_results: { trial_state: string[]; pruned_step: Array<number | null>; pruned_value: Array<number | null> }; curves: Array<{ cell: number; fold: number | 'mean'; steps: number[]; values: number[] }> } }>(`/api/experiments/${id}`);
    const { cv_results: cv, curves } = done.result;
    const pruned = cv.trial_state.filter((s) => s === 'pruned').length;
    expect(pruned).toBeGreaterThan(0);
    // Each trial: two folds' reports and their mean, which a pruned trial ends with (its recorded step and value).
    expect(curves.filter((c) => c.fold === 'mean')).toHaveLength(8);
    expect(curves.filter((c) => c.fold !== 'mean')).toHaveLength(16);
    cv.trial_state.forEach((s, t) => {
      const mean = curves.find((c) => c.cell === t && c.fold === 'mean')!;
      if (s === 'pruned') expect([cv.pruned_step[t], cv.pruned_value[t]]).toEqual([mean.steps.at(-1), mean.values.at(-1)]);
    });
    // One bold line a trial (the mean, none drawn twice), a faint one a fold; the pruned trials' means dashed.
    await expect.poll(() => drawnLines(page), { timeout: 10_000 }).toEqual({ folds: 16, means: 7, best: 1 });
    expect((await studyMarks(page)).dashedMeans).toBe(pruned);
    expect(errors).toEqual([]);
    await page.close();
  }, 150_000);

  it('shows a bad spec\'s issues by field, sends the token as Bearer, and cancels a sweep', async () => {
    const guarded = createApp({ redis: cluster.redis, prefix: cluster.prefix, token: 'dashboard-test-token', logger: pino({ level: 'silent' }) });
    apps.push(guarded);
    const guardedBase = await listen(guarded);
    const page = await chrome.context.newPage();
    await page.goto(`${guardedBase}/`);
    await page.fill('#spec', JSON.stringify({ name: 'bad name!', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: 1 }));
    await page.click('#launch');
    await page.locator('#launch-form .messages .error', { hasText: 'missing or wrong token' }).waitFor();
    await page.fill('#token', 'dashboard-test-token');
    await page.dispatchEvent('#token', 'change');
    await page.click('#launch');
    await page.locator('ul.issues li[data-field="name"]').waitFor();
    await page.locator('ul.issues li[data-field="cv"]').waitFor();
    expectPicture(await page.locator('#launch-form').screenshot(), 'form-issues', 10);

    await page.goto(`${base}/`);
    const id = await launchExample(page, 'mnist-knn-grid.json');
    await page.click('[data-action="cancel"]');
    await page.locator('h1 [data-status="cancelled"]').waitFor();
    expect((await apiGet<{ status: string }>(`/api/experiments/${id}`)).status).toBe('cancelled');
    await page.close();
  }, 60_000);

  it('works behind a token: the page loads without it and says why it is empty; with it, live streams, digit images and Bull Board follow', async () => {
    // Not the previous test's token: its session cookie (cookies are per host, not per port) must not open this API.
    const token = 'dashboard-reads-token';
    const guarded = createApp({ redis: cluster.redis, prefix: cluster.prefix, token, logger: pino({ level: 'silent' }) });
    apps.push(guarded);
    const at = await listen(guarded);
    expect((await fetch(`${at}/`)).status).toBe(200);
    expect((await fetch(`${at}/api/experiments`)).status).toBe(401);
    const page = await chrome.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${at}/`);
    await page.locator('section .messages .error', { hasText: 'missing or wrong token' }).waitFor();
    await page.locator('.live-state', { hasText: 'disconnected' }).waitFor();
    // The refused stream opens once the token is typed: EventSource goes through the session cookie.
    await page.fill('#token', token);
    await page.dispatchEvent('#token', 'change');
    await page.locator('.live-state', { hasText: 'live' }).waitFor();
    expect(await page.locator('section .messages .error').count()).toBe(0);
    expect(await page.evaluate(() => document.cookie)).not.toContain('gridfold_session');

    const id = await launchExample(page, 'knn-grid-2000', at);
    await page.locator('#progress [data-percent="100"]').waitFor({ timeout: 60_000 });
    await page.locator('h1 [data-status="completed"]').waitFor({ timeout: 60_000 });
    const digit = page.locator('[data-sample] img.digit').first();
    await digit.scrollIntoViewIfNeeded();
    await expect.poll(() => digit.evaluate((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth)).toBe(56);

    await openJobInBullBoard(page, id);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
