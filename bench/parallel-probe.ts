/**
 * How much two independent processes slow each other on this machine: the seed KNN grid's
 * 40 ungrouped (fold, cell) fits run in-process on one native thread, once alone and then
 * twice at the same time, with no queue, Redis or API involved. The slowdown bounds the
 * 1 -> 2 worker speed-up any runner can get on these tasks here (2 / slowdown).
 * Run: npx tsx bench/parallel-probe.ts          (prints one JSON line)
 *      npx tsx bench/parallel-probe.ts --child  (one timed run; used by the parent)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkSpec, fitAndScore, openDataset, planExperiment } from '../packages/core/src/index.js';
import { configureBench } from './configure.js';

async function child(): Promise<void> {
  const { dataDir } = configureBench();
  const plan = planExperiment(checkSpec({ ...JSON.parse(readFileSync(new URL('../experiments/mnist-knn-grid.json', import.meta.url), 'utf8')), group_cells: false, refit: false }));
  const dataset = await openDataset(plan.dataset, { dataDir });
  await fitAndScore(plan, dataset, plan.tasks[0]); // warm: sessions, code
  // Start together: the parent releases both children with a line on stdin.
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const t0 = performance.now();
  for (const task of plan.tasks) await fitAndScore(plan, dataset, task);
  process.stdout.write(`${performance.now() - t0}\n`);
}

/** Runs `n` children at once and returns their wall times, ms. */
async function runTogether(n: number): Promise<number[]> {
  const self = fileURLToPath(import.meta.url);
  const children = Array.from({ length: n }, () =>
    spawn(process.execPath, ['--import', 'tsx', self, '--child'], { env: { ...process.env, GRIDFOLD_THREADS: '1' }, stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const lines = children.map((c) => {
    let buffer = '';
    const waiters: Array<(line: string) => void> = [];
    c.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let i: number;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        waiters.shift()?.(line);
      }
    });
    return () => new Promise<string>((resolve) => waiters.push(resolve));
  });
  const ready = lines.map((next) => next());
  await Promise.all(ready);
  const done = lines.map((next) => next());
  for (const c of children) c.stdin!.write('go\n');
  return (await Promise.all(done)).map(Number);
}

if (process.argv.includes('--child')) {
  await child();
  process.exit(0);
} else {
  const alone = (await runTogether(1))[0];
  const together = await runTogether(2);
  const slowdown = Math.max(...together) / alone;
  console.log(JSON.stringify({ alone_ms: Math.round(alone), together_ms: together.map(Math.round), slowdown: Number(slowdown.toFixed(3)), best_speedup: Number((2 / slowdown).toFixed(2)) }));
}
