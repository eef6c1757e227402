/**
 * The seed KNN grid through the API (gridfold serve) with 1 and with 2 worker processes,
 * against scikit-learn's GridSearchCV(n_jobs=-1) + refit + test, in the same run.
 * Wall time = submit to completed (includes the workers' first MNIST load).
 * Run: npx tsx bench/knn-grid-api.ts
 */
import { readFileSync } from 'node:fs';
import { startServe, submitAndWait } from './serve-harness.js';
import { ratio, sklearnBaseline } from './sklearn-baseline.js';

const spec = JSON.parse(readFileSync(new URL('../experiments/mnist-knn-grid.json', import.meta.url), 'utf8'));
const sk = await sklearnBaseline<{ grid_s: number; refit_test_s: number; best_score: number; test_accuracy: number }>('knn_grid.py');
const skTotal = sk.grid_s + sk.refit_test_s;
console.log(`| runner | wall (grid + refit + test) | best_score | test accuracy | vs scikit-learn |`);
console.log(`|---|---|---|---|---|`);
console.log(`| scikit-learn GridSearchCV(n_jobs=-1) + refit | ${skTotal.toFixed(2)} s | ${sk.best_score} | ${sk.test_accuracy} | 1.00x |`);
for (const workers of [1, 2]) {
  const served = await startServe(workers, 3400 + workers);
  try {
    const { view, wallMs } = await submitAndWait(served.url, spec);
    const r = view.result;
    console.log(`| gridfold API, ${workers} worker(s) | ${(wallMs / 1000).toFixed(2)} s | ${r?.best_score} | ${r?.test?.accuracy} | ${ratio(skTotal, wallMs / 1000)} |`);
  } finally {
    await served.stop();
  }
}
