/**
 * Issue #17, few heavy folds, paired in one run: the multilabel KNN seed spec and a cv=3 KNN
 * (3 heavy tasks each) through `gridfold serve`, with 1 worker, and with 2 workers both split by
 * their queries ("auto": 2 parts a task) and whole (`split_queries: 1`, gridfold before #17),
 * the 2-worker runs alternating so that a shared machine's load falls on both alike. Prints each
 * run and the medians; the part count each experiment got is read from Redis.
 * Run: npx tsx bench/few-heavy-folds.ts [repeats=2]   (GRIDFOLD_BENCH_PORT as run-all.ts)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connectRedis, keys } from '../packages/queue/src/index.js';
import { startServe, submitAndWait, warmUp } from './serve-harness.js';

const repeats = Number(process.argv[2] ?? 2);
const PORT = Number(process.env.GRIDFOLD_BENCH_PORT ?? 3600) + 50;
const spec = (name: string) => JSON.parse(readFileSync(new URL(`../experiments/${name}.json`, import.meta.url), 'utf8'));
const CASES = [
  { name: 'multilabel-knn', spec: () => spec('mnist-multilabel-knn') },
  { name: 'knn-cv3', spec: () => ({ ...spec('mnist-knn-baseline'), name: 'knn-cv3', cv: 3, refit: false }) },
];
const redis = connectRedis();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function runs(workers: number, variants: Array<{ label: string; extra: object }>): Promise<Record<string, number[]>> {
  const prefix = `bench-${randomUUID()}`;
  const served = await startServe(workers, PORT + workers, { GRIDFOLD_PREFIX: prefix });
  const out: Record<string, number[]> = {};
  try {
    await warmUp(served.url);
    for (let r = 0; r < repeats; r++) {
      for (const c of CASES) {
        for (const v of variants) {
          const { view, wallMs } = await submitAndWait(served.url, { ...c.spec(), ...v.extra, cache: false });
          if (view.status !== 'completed') throw new Error(`${c.name} ${v.label}: ${view.status} ${view.error}`);
          const parts = (await redis.hget(keys(prefix).experiment(view.id), 'task_parts')) ?? '1';
          const key = `${c.name} | ${workers} worker${workers > 1 ? 's' : ''} ${v.label}`;
          (out[key] ??= []).push(wallMs / 1000);
          console.error(`${key}: ${(wallMs / 1000).toFixed(2)} s (${parts} part${parts === '1' ? '' : 's'} a task)`);
        }
      }
    }
  } finally {
    await served.stop();
  }
  return out;
}

const results = {
  ...(await runs(2, [
    { label: 'split (auto)', extra: {} },
    { label: 'whole (split_queries 1)', extra: { split_queries: 1 } },
  ])),
  ...(await runs(1, [{ label: '', extra: {} }])),
};
redis.disconnect();
console.log('| case | workers | runs (s) | median (s) |\n|---|---|---|---|');
for (const [key, xs] of Object.entries(results)) {
  const [name, how] = key.split(' | ');
  console.log(`| ${name} | ${how} | ${xs.map((x) => x.toFixed(2)).join(', ')} | ${median(xs).toFixed(2)} |`);
}
