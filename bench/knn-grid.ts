/**
 * The seed KNN grid (experiments/mnist-knn-grid.json) in-process, against scikit-learn's
 * GridSearchCV(n_jobs=-1) + refit + test in the same run on the same machine.
 * Run: npx tsx bench/knn-grid.ts
 */
import { readFileSync } from 'node:fs';
import { runExperiment } from '../packages/core/src/index.js';
import { configureBench } from './configure.js';
import { ratio, sklearnBaseline } from './sklearn-baseline.js';

interface SkResult {
  grid_s: number;
  refit_test_s: number;
  best_params: Record<string, unknown>;
  best_score: number;
  test_accuracy: number;
}

configureBench();
const spec = JSON.parse(readFileSync(new URL('../experiments/mnist-knn-grid.json', import.meta.url), 'utf8'));
const sk = await sklearnBaseline<SkResult>('knn_grid.py');
// Dataset load is part of neither side's timing: scikit-learn's script loads before timing too.
const { loadMnist } = await import('../packages/core/src/datasets/mnist.js');
await loadMnist();
const ours = await runExperiment(spec);
if (ours.status !== 'completed') throw new Error(`gridfold failed: ${ours.error}`);
const oursGrid = ours.timings.cv_ms / 1000;
const oursRefit = (ours.timings.refit_ms + ours.timings.test_ms) / 1000;
const rows = [
  ['', 'gridfold (in-process)', 'scikit-learn (n_jobs=-1)', 'ratio'],
  ['grid (8 cells x 5 folds, 10,000 images)', `${oursGrid.toFixed(2)} s`, `${sk.grid_s.toFixed(2)} s`, ratio(sk.grid_s, oursGrid)],
  ['refit on 60,000 + test on 10,000', `${oursRefit.toFixed(2)} s`, `${sk.refit_test_s.toFixed(2)} s`, ratio(sk.refit_test_s, oursRefit)],
  ['total', `${(oursGrid + oursRefit).toFixed(2)} s`, `${(sk.grid_s + sk.refit_test_s).toFixed(2)} s`, ratio(sk.grid_s + sk.refit_test_s, oursGrid + oursRefit)],
  ['best_params', JSON.stringify(ours.best_params), JSON.stringify(sk.best_params), ''],
  ['best_score', String(ours.best_score), String(sk.best_score), ''],
  ['test accuracy', String(ours.test?.accuracy), String(sk.test_accuracy), ''],
];
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
