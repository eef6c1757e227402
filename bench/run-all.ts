/**
 * The bench suite (`npm run bench`): each case runs gridfold through the API (gridfold serve
 * with 1 and with 2 workers, wall time from submit to completed) and scikit-learn
 * (Debian python3-sklearn, n_jobs=-1) in the same run, and prints times and ratios.
 * Workers are warmed by a small sweep first (see warmUp): scikit-learn's scripts time the
 * fitting only, after imports and the data load.
 * Cases: `npm run bench -- knn-grid sgd-5` runs a subset (a name matches every case it starts). Also: queue overhead per task
 * (near-empty tasks) and the 1 -> 2 worker speed-up on the KNN grid without grouping.
 * The last column is that speed-up for every case (1 worker's time / 2 workers'). Issue #17's
 * few-heavy-folds cases (multilabel-knn, knn-cv3) also run with their tasks whole
 * (`split_queries: 1`, gridfold before #17) on 2 workers, in the same run, and each is timed a
 * second time on the same workers (fresh processes' first run, and their steady state).
 * `GRIDFOLD_BENCH_PORT` (default 3600): the serve processes listen on it + the worker count.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServe, submitAndWait, warmUp } from './serve-harness.js';
import { ratio, sklearnBaseline } from './sklearn-baseline.js';

const spec = (name: string) => JSON.parse(readFileSync(new URL(`../experiments/${name}.json`, import.meta.url), 'utf8'));

interface Case {
  name: string;
  spec: () => object;
  /** scikit-learn script and args; prints {seconds}. */
  sklearn?: [string, string[]];
  target?: number;
  workers: number[];
  /** Environment for the serve process (e.g. one native thread per worker for a scaling test). */
  env?: Record<string, string>;
  /** Also report the cross-validation part alone (result.timings.cv_ms) against scikit-learn's grid time. */
  gridOnly?: boolean;
  /**
   * Also time a second run of the spec on the same workers (a row of its own): the first run of
   * fresh worker processes pays one-off costs (first touches of onnxruntime's buffers, JIT) that
   * a long-lived deployment pays once; the second is its steady state.
   */
  again?: boolean;
}

const CASES: Case[] = [
  { name: 'knn-grid', spec: () => spec('mnist-knn-grid'), sklearn: ['knn_grid.py', []], workers: [1, 2], gridOnly: true },
  { name: 'knn-baseline (refit + test)', spec: () => spec('mnist-knn-baseline'), sklearn: ['spec_cv.py', ['knn-baseline']], target: 2, workers: [1, 2] },
  { name: 'sgd-5', spec: () => spec('mnist-5-sgd'), sklearn: ['spec_cv.py', ['sgd-5']], target: 3, workers: [1, 2] },
  { name: 'sgd-multiclass', spec: () => spec('mnist-sgd-multiclass'), sklearn: ['spec_cv.py', ['sgd-multiclass']], workers: [1, 2] },
  // Issue 17: StandardScaler + SGD, 10 digits (both sides run max_iter=1000 epochs on every fold).
  { name: 'sgd-multiclass-scaled', spec: () => spec('mnist-sgd-multiclass-scaled'), sklearn: ['spec_cv.py', ['sgd-multiclass-scaled']], target: 3, workers: [1, 2] },
  { name: 'forest-5', spec: () => spec('mnist-5-forest'), sklearn: ['spec_cv.py', ['forest-5']], target: 3, workers: [1, 2] },
  { name: 'multilabel-knn', spec: () => spec('mnist-multilabel-knn'), sklearn: ['spec_cv.py', ['multilabel-knn']], target: 3, workers: [1, 2], again: true },
  { name: 'multilabel-knn, tasks whole (split_queries 1, before #17)', spec: () => ({ ...spec('mnist-multilabel-knn'), split_queries: 1 }), workers: [2], again: true },
  { name: 'knn-cv3', spec: () => ({ ...spec('mnist-knn-baseline'), name: 'knn-cv3', cv: 3, refit: false }), sklearn: ['spec_cv.py', ['knn-cv3']], workers: [1, 2], again: true },
  { name: 'knn-cv3, tasks whole (split_queries 1, before #17)', spec: () => ({ ...spec('mnist-knn-baseline'), name: 'knn-cv3', cv: 3, refit: false, split_queries: 1 }), workers: [2], again: true },
  {
    name: 'knn-grid ungrouped, 1 thread per worker (1 -> 2 workers)',
    spec: () => ({ ...spec('mnist-knn-grid'), name: 'knn-grid-ungrouped', group_cells: false, refit: false }),
    target: 1.8,
    workers: [1, 2],
    env: { GRIDFOLD_THREADS: '1' },
  },
];

const wanted = process.argv.slice(2);
/** The serve processes listen on PORT_BASE + workers (and + 99 for the overhead case); GRIDFOLD_BENCH_PORT moves them off another run's. */
const PORT_BASE = Number(process.env.GRIDFOLD_BENCH_PORT ?? 3600);
const rows: string[] = ['| case | scikit-learn | gridfold 1 worker | gridfold 2 workers | ratio (best) | target | 1 -> 2 workers |', '|---|---|---|---|---|---|---|'];
for (const c of CASES.filter((c) => wanted.length === 0 || wanted.some((w) => c.name.startsWith(w)))) {
  const sk = c.sklearn ? await sklearnBaseline<{ seconds?: number; grid_s?: number; refit_test_s?: number }>(c.sklearn[0], c.sklearn[1]) : null;
  const skSeconds = sk ? (sk.seconds ?? (sk.grid_s ?? 0) + (sk.refit_test_s ?? 0)) : null;
  const times: Record<number, number> = {};
  const cvTimes: Record<number, number> = {};
  const secondTimes: Record<number, number> = {};
  for (const workers of c.workers) {
    const served = await startServe(workers, PORT_BASE + workers, c.env);
    try {
      await warmUp(served.url);
      const s = { ...c.spec(), cache: false };
      const { view, wallMs } = await submitAndWait(served.url, s);
      if (view.status !== 'completed') throw new Error(`${c.name}: ${view.status} ${view.error}`);
      times[workers] = wallMs / 1000;
      cvTimes[workers] = view.result.timings.cv_ms / 1000;
      if (c.again) {
        const second = await submitAndWait(served.url, s);
        if (second.view.status !== 'completed') throw new Error(`${c.name}, second run: ${second.view.status} ${second.view.error}`);
        secondTimes[workers] = second.wallMs / 1000;
      }
    } finally {
      await served.stop();
    }
  }
  if (c.gridOnly && sk?.grid_s) {
    const bestCv = Math.min(...Object.values(cvTimes));
    rows.push(`| ${c.name}: the grid alone (cv) | ${sk.grid_s.toFixed(2)} s | ${cvTimes[1]?.toFixed(2) ?? ''} s | ${cvTimes[2]?.toFixed(2) ?? ''} s | ${ratio(sk.grid_s, bestCv)} | >= 5x |`);
    if (sk.refit_test_s) rows.push(`| ${c.name}: refit + test | ${sk.refit_test_s.toFixed(2)} s | ${(times[1] - cvTimes[1]).toFixed(2)} s | ${(times[2] - cvTimes[2]).toFixed(2)} s | ${ratio(sk.refit_test_s, Math.min(times[1] - cvTimes[1], times[2] - cvTimes[2]))} | >= 2x |`);
  }
  const best = Math.min(...Object.values(times));
  const r = skSeconds ? ratio(skSeconds, best) : times[1] && times[2] ? ratio(times[1], times[2]) : '';
  const fmt = (t?: number) => (t === undefined ? '' : `${t.toFixed(2)} s`);
  const speedup = times[1] && times[2] ? ratio(times[1], times[2]) : '';
  rows.push(`| ${c.name}${c.again ? ', first run of fresh workers' : ''} | ${skSeconds === null ? '' : `${skSeconds.toFixed(2)} s`} | ${fmt(times[1])} | ${fmt(times[2])} | ${r} | ${c.target ? `>= ${c.target}x` : ''} | ${speedup} |`);
  console.error(rows[rows.length - 1]);
  if (c.again) {
    const best2 = Math.min(...Object.values(secondTimes));
    const r2 = skSeconds ? ratio(skSeconds, best2) : '';
    const speedup2 = secondTimes[1] && secondTimes[2] ? ratio(secondTimes[1], secondTimes[2]) : '';
    rows.push(`| ${c.name}, second run on the same workers | | ${fmt(secondTimes[1])} | ${fmt(secondTimes[2])} | ${r2} | | ${speedup2} |`);
    console.error(rows[rows.length - 1]);
  }
  if (c.name.startsWith('knn-grid ungrouped')) {
    // The machine's own bound on that speed-up: the same 40 fits in two plain processes.
    const probe = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./parallel-probe.ts', import.meta.url))], { encoding: 'utf8' }).trim().split('\n').pop()!);
    rows.push(`| the same 40 fits in-process, 1 vs 2 plain processes at once (no queue): bound on the 1 -> 2 speed-up | | ${(probe.alone_ms / 1000).toFixed(2)} s | ${(Math.max(...probe.together_ms) / 1000).toFixed(2)} s each | ${probe.best_speedup}x | |`);
    console.error(rows[rows.length - 1]);
  }
}

if (wanted.length === 0 || wanted.includes('overhead')) {
  // Near-empty tasks: a dummy classifier on 100 rows, 500 cells x 2 folds = 1,000 tasks
  // (`constant` is ignored by these strategies; it only multiplies the cells).
  const overheadSpec = {
    name: 'queue-overhead',
    dataset: { source: 'mnist' },
    estimator: { name: 'DummyClassifier' },
    param_grid: { strategy: ['most_frequent', 'prior'], constant: Array.from({ length: 250 }, (_, i) => i) },
    cv: { n_splits: 2, subset: 100, kind: 'kfold' },
    refit: false,
    cache: false,
  };
  const served = await startServe(2, PORT_BASE + 99);
  try {
    await warmUp(served.url);
    const { view, wallMs } = await submitAndWait(served.url, overheadSpec);
    const tasks = view.progress.total;
    rows.push(`| queue overhead (${tasks} near-empty tasks, 2 workers) | | | ${(wallMs / 1000).toFixed(2)} s | ${(wallMs / tasks).toFixed(2)} ms/task | <= 5 ms/task |`);
  } finally {
    await served.stop();
  }
}
console.log(rows.join('\n'));
