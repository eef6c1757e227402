/**
 * Task cache: the seed KNN grid through `gridfold serve --workers 2`, then the same spec
 * again (everything from the cache), then widened from n_neighbors [3..6] to [3..8] (only
 * the new cells computed). Prints wall times and what was reused.
 * Run: npx tsx bench/cache-rerun.ts
 */
import { readFileSync } from 'node:fs';
import { startServe, submitAndWait } from './serve-harness.js';

const spec = JSON.parse(readFileSync(new URL('../experiments/mnist-knn-grid.json', import.meta.url), 'utf8'));
const wide = { ...spec, name: 'mnist-knn-grid-wide', param_grid: [{ weights: ['uniform', 'distance'], n_neighbors: [3, 4, 5, 6, 7, 8] }] };
const served = await startServe(2, 3960);
try {
  console.log('| run | wall | (fold, cell) results reused | refit reused | best_params | test |\n|---|---|---|---|---|---|');
  for (const [label, s] of [['first run', spec], ['re-run (same spec)', spec], ['widened to n_neighbors 3..8', wide]] as const) {
    const { view, wallMs } = await submitAndWait(served.url, s);
    const r = view.result;
    console.log(`| ${label} | ${(wallMs / 1000).toFixed(2)} s | ${r.cache.cells_reused} of ${r.cache.cells_total} | ${r.cache.refit_reused} | ${JSON.stringify(r.best_params)} | ${r.test.accuracy} |`);
  }
} finally {
  await served.stop();
}
