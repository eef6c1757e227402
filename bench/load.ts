/**
 * Load: 50 small sweeps submitted concurrently (autocannon, 50 connections, localhost only)
 * to `gridfold serve --workers 2`; every one must complete with the same results as an
 * in-process run. Prints submit latency p50/p99, submissions/s and sweeps completed/s.
 * Run: npx tsx bench/load.ts
 */
import autocannon from 'autocannon';
import { runExperiment } from '../packages/core/src/index.js';
import { configureBench } from './configure.js';
import { startServe } from './serve-harness.js';

const spec = {
  name: 'load-small',
  dataset: { source: 'mnist' },
  estimator: { name: 'KNeighborsClassifier' },
  param_grid: { weights: ['uniform', 'distance'], n_neighbors: [3, 5] },
  cv: { n_splits: 3, subset: 1000 },
  refit: { subset: 1000 },
};
const SWEEPS = 50;

configureBench();
const expected = await runExperiment(spec);
const served = await startServe(2, 3500);
const ids: string[] = [];
try {
  const t0 = performance.now();
  const result = await autocannon({
    url: `${served.url}/api/experiments`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(spec),
    connections: SWEEPS,
    amount: SWEEPS,
    setupClient: (client: { on(event: string, cb: (b: Buffer) => void): void }) => client.on('body', (b: Buffer) => ids.push(JSON.parse(b.toString()).id)),
  });
  const submitMs = performance.now() - t0;
  let done = 0;
  let mismatched = 0;
  for (const id of ids) {
    for (;;) {
      const view = (await (await fetch(`${served.url}/api/experiments/${id}`)).json()) as { status: string; result: typeof expected };
      if (view.status === 'completed') {
        done++;
        if (JSON.stringify(view.result.best_params) !== JSON.stringify(expected.best_params) || view.result.best_score !== expected.best_score || view.result.test?.accuracy !== expected.test?.accuracy) mismatched++;
        break;
      }
      if (view.status === 'failed' || view.status === 'cancelled') throw new Error(`sweep ${id} ${view.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const allMs = performance.now() - t0;
  console.log(`| submissions | 2xx | submit p50 | submit p99 | submit throughput | all ${SWEEPS} sweeps done | sweeps/s | wrong results |`);
  console.log(`|---|---|---|---|---|---|---|---|`);
  console.log(`| ${result.requests.total} | ${result['2xx']} | ${result.latency.p50} ms | ${result.latency.p99} ms | ${(SWEEPS / (submitMs / 1000)).toFixed(0)}/s | ${(allMs / 1000).toFixed(1)} s | ${(done / (allMs / 1000)).toFixed(2)} | ${mismatched} |`);
  if (done !== SWEEPS || mismatched) process.exitCode = 1;
} finally {
  await served.stop();
}
