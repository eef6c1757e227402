import { spawn } from 'node:child_process';
import type { Params } from '../packages/core/src/estimators/base.js';
import type { TpeTrial } from '../packages/core/src/search/tpe/observations.js';
import { TpeSampler } from '../packages/core/src/search/tpe/sampler.js';
import type { ParamSpace } from '../packages/core/src/spec/param-space.js';

/**
 * The Optuna side of the study benches (study-vs-optuna.ts, study-mlp.ts): runs a Python script
 * of bench/sklearn/ with Debian's python3, `input` as JSON on stdin, and collects each JSON line
 * it prints (calling `onLine` with each as it comes). `threads`: OPENBLAS_NUM_THREADS, if set.
 */
export function runPython(script: string, input: object, onLine: (v: unknown) => void = () => {}, threads?: number): Promise<unknown[]> {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (threads !== undefined) env.OPENBLAS_NUM_THREADS = String(threads);
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [script], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    const out: unknown[] = [];
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (!line.startsWith('{') && !line.startsWith('[')) continue;
        const v = JSON.parse(line);
        out.push(v);
        onLine(v);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script.slice(script.lastIndexOf('/') + 1)} exited ${code}`))));
    child.stdin.end(JSON.stringify(input));
  });
}

/**
 * Prints the time of one proposal with 100 and 1,000 finished trials, gridfold's TPE against
 * Optuna's (its script's `propose` mode, through `python`), on this run's finished trials
 * (`pooled`, repeated to 1,000 when fewer): the median of 30 after 10 warm-ups, each proposal
 * on a history one trial shorter every other time (so none is cached).
 */
export async function printProposalTimes(space: ParamSpace, pooled: Array<{ params: Params; value: number }>, python: (input: object) => Promise<unknown[]>, what: string): Promise<void> {
  const history = Array.from({ length: 1000 }, (_, i) => pooled[i % pooled.length]);
  const REPEATS = 30;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ours: Record<number, number> = {};
  for (const size of [100, 1000]) {
    const sampler = new TpeSampler(space, { seed: 1, direction: 'maximize' });
    const trials: TpeTrial[] = history.slice(0, size).map((t) => ({ params: t.params, state: 'complete', value: t.value }));
    const times: number[] = [];
    for (let i = 0; i < 10 + REPEATS; i++) {
      const h = trials.slice(0, trials.length - (i % 2));
      const t = performance.now();
      sampler.propose(h);
      if (i >= 10) times.push(performance.now() - t);
    }
    ours[size] = median(times);
  }
  const [theirs] = (await python({ mode: 'propose', history: history.map((t) => ({ params: t.params, value: t.value })), sizes: [100, 1000], repeats: REPEATS })) as Array<Record<string, number>>;
  console.log(`\none proposal, median of ${REPEATS} (${pooled.length} ${what} trials of this run${pooled.length < 1000 ? ', repeated to 1,000' : ''}):`);
  console.log('| finished trials | gridfold ms / proposal | Optuna 3.1 ms / proposal | Optuna / gridfold |');
  console.log('|---|---|---|---|');
  for (const size of [100, 1000]) console.log(`| ${size.toLocaleString('en')} | ${ours[size].toFixed(2)} | ${theirs[size].toFixed(2)} | ${(theirs[size] / ours[size]).toFixed(2)}x |`);
}
