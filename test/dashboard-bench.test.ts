import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type GridfoldApp } from '@gridfold/api';
import { connectRedis } from '@gridfold/queue';
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_COLORS, type BenchResult } from '../apps/dashboard/src/web/bench-record.js';
import { launchChromium, type HeadlessBrowser } from './helpers/browser.js';
import { deletePrefix, REDIS_URL } from './helpers/cluster.js';

// The recorded benchmark page (/bench/study-mlp) in real headless Chromium against the real API
// (real Redis, no workers: the page needs none). Expected values are not hard-coded: the page must
// draw what bench/results/study-mlp.json (written by bench/study-mlp.ts) holds.
// The study's marks as charts/study.ts's HISTORY_STYLE draws them (that module needs a DOM to import).
const HISTORY_STYLE = { complete: { color: '#5470c6' }, pruned: { color: '#9ca3af' }, best: '#d62728' };
const BUILD = fileURLToPath(new URL('../apps/dashboard/build-if-stale.mjs', import.meta.url));
const SHOTS = process.env.GRIDFOLD_SCREENSHOT_DIR ?? join(tmpdir(), 'gridfold-dashboard-shots');
const record = (name: string): BenchResult => JSON.parse(readFileSync(fileURLToPath(new URL(`../bench/results/${name}.json`, import.meta.url)), 'utf8'));
const RECORD = record('study-mlp');
// Objective 2's record (written by bench/study-vs-optuna.ts --objective sgd-mnist): no pruning, no epochs.
const SGD_RECORD = record('study-sgd-mnist');

const redis = connectRedis(REDIS_URL);
const prefix = `test-${randomUUID()}`;
let app: GridfoldApp;
let server: Server;
let chrome: HeadlessBrowser;
let base: string;

beforeAll(async () => {
  execFileSync(process.execPath, [BUILD], { stdio: 'ignore' });
  app = createApp({ redis, prefix, logger: pino({ level: 'silent' }) });
  base = await new Promise<string>((resolve) => {
    server = app.app.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`));
  });
  chrome = await launchChromium();
}, 60_000);

afterAll(async () => {
  await chrome?.close();
  await new Promise((r) => server?.close(r));
  await app?.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

/** A chart's SVG paths as attribute maps. */
function paths(page: Page, chart: string): Promise<Array<Record<string, string>>> {
  return page.locator(`[data-chart="${chart}"] svg path`).evaluateAll((ps) => ps.map((p) => Object.fromEntries(Array.from(p.attributes, (a) => [a.name, a.value]))));
}

/**
 * Reference lines and bands as charts/study.ts draws them: a reference's line in the plot area
 * (no transform: legend icons have one) stroked in its colour and dashed (dotted is dashed too),
 * its ± s.e. band filled in its colour.
 */
function references(drawn: Array<Record<string, string>>, count: number) {
  return REFERENCE_COLORS.slice(0, count).map((color) => ({
    lines: drawn.filter((p) => p.stroke === color && p.fill === 'none' && !p.transform && p['stroke-dasharray']).length,
    bands: drawn.filter((p) => p.fill === color && !p.transform).length,
  }));
}

describe('recorded benchmark page (headless Chromium)', () => {
  it('draws objective 3 on the optimisation-history chart: one real study, the other searches\' mean best so far with their bands, the grids\' best, and the epochs chart', async () => {
    const page = await chrome.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // From the nav: Benchmarks lists the recorded runs, and the link opens the page without a reload.
    await page.goto(`${base}/`);
    await page.click('nav a[href="/bench"]');
    await page.waitForURL(`${base}/bench`);
    await page.click(`#benches a[href="/bench/${RECORD.name}"]`);
    await page.waitForURL(`${base}/bench/${RECORD.name}`);
    await page.locator('[data-chart="history"] svg').waitFor();
    expect(await page.locator('h1').textContent()).toBe(RECORD.title);
    expect(await page.locator('#bench-summary p').allTextContents()).toEqual(RECORD.summary);
    expect(await page.locator('.meta code').textContent()).toBe(RECORD.command);

    const history = await paths(page, 'history');
    const texts = await page.locator('[data-chart="history"] svg text').allTextContents();
    for (const name of ['trial', 'score', ...RECORD.by_trial.map((r) => r.name)]) expect(texts, `history text "${name}"`).toContain(name);
    // The study's own marks: one dot per complete trial, one triangle per pruned one (each less its legend icon), the red best-so-far line.
    const states = RECORD.study.cv.trial_state!;
    expect(history.filter((p) => p.fill === HISTORY_STYLE.complete.color && p.transform).length - 1).toBe(states.filter((s) => s === 'complete').length);
    // The score axis starts near the lines; trials pruned far below are off the chart, and the note says how many.
    const note = (await page.locator('#history-note').textContent())!;
    const cut = /\((\d+) of them pruned below ([\d.]+), off the chart\)/.exec(note);
    const yMin = cut ? Number(cut[2]) : -Infinity;
    const pruned = states.flatMap((s, i) => (s === 'pruned' ? [RECORD.study.cv.pruned_value![i]!] : []));
    expect(cut ? Number(cut[1]) : 0).toBe(pruned.filter((v) => v < yMin).length);
    expect(history.filter((p) => p.stroke === HISTORY_STYLE.pruned.color && p.transform).length - 1).toBe(pruned.filter((v) => v >= yMin).length);
    expect(history.filter((p) => p.stroke === HISTORY_STYLE.best && p.fill === 'none' && !p.transform).length).toBe(1);
    // Every reference a line; the means (with standard errors) a band too, the grids' constants none.
    const expected = RECORD.by_trial.map((r) => ({ lines: 1, bands: r.kind === 'mean' && r.points.some((p) => p[2] !== null) ? 1 : 0 }));
    expect(references(history, RECORD.by_trial.length)).toEqual(expected);

    const epochTexts = await page.locator('[data-chart="history-epochs"] svg text').allTextContents();
    for (const name of ['epochs spent', 'score', ...RECORD.by_epochs.map((r) => r.name), ...RECORD.markers.map((m) => m.label)]) expect(epochTexts, `epochs chart text "${name}"`).toContain(name);
    expect(references(await paths(page, 'history-epochs'), RECORD.by_epochs.length)).toEqual(RECORD.by_epochs.map((r) => ({ lines: 1, bands: r.kind === 'mean' && r.points.some((p) => p[2] !== null) ? 1 : 0 })));

    mkdirSync(SHOTS, { recursive: true });
    await page.locator('#optimisation-history').screenshot({ path: join(SHOTS, 'dashboard-bench-history.png') });
    await page.locator('#by-epochs').screenshot({ path: join(SHOTS, 'dashboard-bench-epochs.png') });

    // An unknown benchmark says which exist; the API serves the page for it like any other route.
    expect((await page.goto(`${base}/bench/nope`))?.status()).toBe(200);
    const missing = await page.locator('p.error').textContent();
    expect(missing).toMatch(/^No recorded benchmark named "nope"; recorded: /);
    expect(missing).toContain(RECORD.name);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('draws objective 2 on the optimisation-history chart, with no epochs chart when the record has no searches by epochs', async () => {
    const page = await chrome.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/bench`);
    await page.click(`#benches a[href="/bench/${SGD_RECORD.name}"]`);
    await page.locator('[data-chart="history"] svg').waitFor();
    expect(await page.locator('h1').textContent()).toBe(SGD_RECORD.title);
    expect(await page.locator('#bench-summary p').allTextContents()).toEqual(SGD_RECORD.summary);
    expect(await page.locator('.meta code').textContent()).toBe(SGD_RECORD.command);
    const history = await paths(page, 'history');
    const texts = await page.locator('[data-chart="history"] svg text').allTextContents();
    for (const name of SGD_RECORD.by_trial.map((r) => r.name)) expect(texts, `history text "${name}"`).toContain(name);
    // One dot per trial (all complete; less the legend icon), and every sampler's mean a line with its band.
    expect(history.filter((p) => p.fill === HISTORY_STYLE.complete.color && p.transform).length - 1).toBe(SGD_RECORD.study.cv.mean_test_score.length);
    expect(references(history, SGD_RECORD.by_trial.length)).toEqual(SGD_RECORD.by_trial.map((r) => ({ lines: 1, bands: r.points.some((p) => p[2] !== null) ? 1 : 0 })));
    expect(await page.locator('#by-epochs').count()).toBe(0);
    expect(await page.locator('[data-chart="history-epochs"]').count()).toBe(0);
    mkdirSync(SHOTS, { recursive: true });
    await page.locator('#optimisation-history').screenshot({ path: join(SHOTS, 'dashboard-bench-sgd-history.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);
});
