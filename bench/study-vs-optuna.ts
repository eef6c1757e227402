import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runExperiment } from '../packages/core/src/index.js';
import type { Params } from '../packages/core/src/estimators/base.js';
import type { ParamSpace, SpaceParam } from '../packages/core/src/spec/param-space.js';
import { configureBench } from './configure.js';
import { printProposalTimes, runPython } from './optuna-side.js';

/**
 * Issue 15's side-by-side studies: the same objective searched by gridfold's TPE (in-process,
 * `runExperiment` with a `search: {kind: "tpe"}` spec), by Optuna 3.1's TPESampler driving
 * scikit-learn (bench/sklearn/study_optuna.py, Debian's python3, run at the same time as
 * gridfold's studies) and by random search (Optuna 3.1's RandomSampler driving scikit-learn:
 * uniform, log-uniform where the space says log, as TPE's startup trials). gridfold's estimators
 * give scikit-learn's scores for the same params (checked first, printed), so only the search
 * differs. Prints mean ± standard error over seeds of the best-so-far cv accuracy at 10 / 20 /
 * 40 / 60 trials, whether the targets hold, and the time of one proposal with 100 and 1,000
 * finished trials (real trials of this run, pooled over samplers and seeds; repeated when fewer).
 *   npx tsx bench/study-vs-optuna.ts --objective svc-digits [--seeds 10] [--trials 60]
 *   npx tsx bench/study-vs-optuna.ts --objective sgd-mnist [--seeds 2] [--trials 40]
 * svc-digits: SVC(C, gamma) on scikit-learn's 8x8 digits (1,797 images, written to
 *   bench/out/digits.csv by python), C log-uniform [1e-3, 1e3], gamma log-uniform [1e-5, 1e-1].
 * sgd-mnist: StandardScaler + SGDClassifier(random_state=42) on the first 10,000 MNIST training
 *   images: alpha log-uniform [1e-6, 1e-1], l1_ratio uniform [0, 1], penalty and loss categorical.
 *   Heavy: one cv=3 trial took about 100 s in gridfold and 290 s in scikit-learn on this shared
 *   2-core machine, so 40 trials x 3 samplers x 10 seeds is more than a day here (RESULTS.md).
 * Raw values per sampler and seed go to bench/out/study-<objective>.json.
 */
const { values: args } = parseArgs({ options: { objective: { type: 'string', default: 'svc-digits' }, seeds: { type: 'string' }, trials: { type: 'string' } } });
const OBJECTIVE = args.objective as 'svc-digits' | 'sgd-mnist';
if (OBJECTIVE !== 'svc-digits' && OBJECTIVE !== 'sgd-mnist') throw new Error('--objective svc-digits | sgd-mnist');
const N_SEEDS = Number(args.seeds ?? 10);
const TRIALS = Number(args.trials ?? (OBJECTIVE === 'svc-digits' ? 60 : 40));
const SEEDS = Array.from({ length: N_SEEDS }, (_, i) => i);
const CHECKPOINTS = [10, 20, 40, 60].filter((n) => n <= TRIALS);
const OUT = fileURLToPath(new URL('./out/', import.meta.url));
const DIGITS = `${OUT}digits.csv`;
const PY = fileURLToPath(new URL('./sklearn/study_optuna.py', import.meta.url));

const SPACES: Record<typeof OBJECTIVE, Record<string, SpaceParam>> = {
  'svc-digits': { C: { float: [1e-3, 1e3], log: true }, gamma: { float: [1e-5, 1e-1], log: true } },
  'sgd-mnist': {
    sgdclassifier__alpha: { float: [1e-6, 1e-1], log: true },
    sgdclassifier__l1_ratio: { float: [0, 1] },
    sgdclassifier__penalty: ['l2', 'l1', 'elasticnet'],
    sgdclassifier__loss: ['hinge', 'log_loss', 'modified_huber'],
  },
};
const SPACE = SPACES[OBJECTIVE];
const CHECK: Params[] =
  OBJECTIVE === 'svc-digits'
    ? [{ C: 1, gamma: 1e-3 }, { C: 10, gamma: 0.01 }, { C: 0.05, gamma: 3e-4 }]
    : [
        { sgdclassifier__alpha: 1e-4, sgdclassifier__l1_ratio: 0.15, sgdclassifier__penalty: 'l2', sgdclassifier__loss: 'hinge' },
        { sgdclassifier__alpha: 3e-3, sgdclassifier__l1_ratio: 0.5, sgdclassifier__penalty: 'elasticnet', sgdclassifier__loss: 'log_loss' },
      ];

function spec(extra: object): object {
  const base =
    OBJECTIVE === 'svc-digits'
      ? { dataset: { source: 'csv', train: 'digits.csv', label: 'label' }, estimator: { name: 'SVC' }, cv: 3 }
      : { dataset: { source: 'mnist' }, estimator: { name: 'Pipeline', steps: [{ name: 'StandardScaler' }, { name: 'SGDClassifier', params: { random_state: 42 } }] }, cv: { n_splits: 3, subset: 10000 } };
  return { name: `study-${OBJECTIVE}`, ...base, refit: false, ...extra };
}

/** Runs study_optuna.py with `input` on stdin; calls onLine for each JSON line it prints. */
function python(input: object, onLine: (v: unknown) => void = () => {}): Promise<unknown[]> {
  return runPython(PY, { objective: OBJECTIVE, digits_csv: DIGITS, space: SPACE, ...input }, onLine);
}

async function gridfoldRun(extra: object) {
  const r = await runExperiment(spec(extra), { dataDir: OUT });
  if (r.status !== 'completed') throw new Error(`gridfold failed: ${r.error}`);
  return r;
}

configureBench();
mkdirSync(OUT, { recursive: true });
if (OBJECTIVE === 'svc-digits' && !existsSync(DIGITS)) {
  await new Promise<void>((resolve, reject) => {
    const code = `import pandas as pd\nfrom sklearn.datasets import load_digits\nX, y = load_digits(return_X_y=True)\ndf = pd.DataFrame(X.astype(int), columns=[f"p{i}" for i in range(64)])\ndf["label"] = y\ndf.to_csv(${JSON.stringify(DIGITS)}, index=False)\n`;
    spawn('/usr/bin/python3', ['-c', code], { stdio: 'inherit' }).on('exit', (c) => (c === 0 ? resolve() : reject(new Error('writing digits.csv failed'))));
  });
}

// 1. The estimators agree: gridfold's cv score equals scikit-learn's for the same params.
const t0 = performance.now();
const [sk] = (await python({ mode: 'check', params: CHECK })) as Array<Array<{ mean: number; folds: number[] }>>;
console.log(`${OBJECTIVE}: gridfold's cv=3 score vs scikit-learn's for the same params`);
let agree = true;
for (const [i, params] of CHECK.entries()) {
  const t = performance.now();
  const r = await gridfoldRun({ estimator: { ...(spec({}) as { estimator: object }).estimator, ...(OBJECTIVE === 'svc-digits' ? { params } : {}) }, ...(OBJECTIVE === 'sgd-mnist' ? { param_grid: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])) } : {}) });
  const ours = r.cv_results!.mean_test_score[0]!;
  agree &&= ours === sk[i].mean;
  console.log(`  ${JSON.stringify(params)}: gridfold ${ours} (${((performance.now() - t) / 1000).toFixed(1)} s), scikit-learn ${sk[i].mean} -> ${ours === sk[i].mean ? 'equal' : 'DIFFERENT'}`);
}
if (!agree) console.log('  the estimators differ: the comparison below compares more than the search');

// 2. The studies: Optuna's (TPE then random) in a python process while gridfold's run here.
type Run = { values: number[]; params: Params[]; s: number };
const runs: Record<string, Run[]> = { 'gridfold TPE': [], 'Optuna 3.1 TPESampler': [], 'random search (Optuna RandomSampler)': [] };
const save = () => writeFileSync(`${OUT}study-${OBJECTIVE}.json`, JSON.stringify({ objective: OBJECTIVE, trials: TRIALS, space: SPACE, runs }));
const optunaDone = python({ mode: 'study', seeds: SEEDS, trials: TRIALS, samplers: ['tpe', 'random'] }, (v) => {
  const r = v as Run & { sampler: string; seed: number };
  (r.sampler === 'tpe' ? runs['Optuna 3.1 TPESampler'] : runs['random search (Optuna RandomSampler)']).push(r);
  console.log(`  optuna ${r.sampler} seed ${r.seed}: best ${Math.max(...r.values).toFixed(4)} in ${r.s.toFixed(0)} s`);
  save();
});
for (const seed of SEEDS) {
  const t = performance.now();
  const r = await gridfoldRun({ search: { kind: 'tpe', n_trials: TRIALS, seed }, param_space: SPACE });
  const cv = r.cv_results!;
  const values = cv.mean_test_score.map((v) => v ?? -Infinity);
  runs['gridfold TPE'].push({ values, params: cv.params, s: (performance.now() - t) / 1000 });
  console.log(`  gridfold tpe seed ${seed}: best ${Math.max(...values).toFixed(4)} in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  save();
}
await optunaDone;

// 3. Best-so-far at each checkpoint: mean ± standard error over seeds.
const best = (values: number[], n: number) => Math.max(...values.slice(0, n));
function stats(rs: Run[], n: number): { mean: number; se: number } {
  const xs = rs.map((r) => best(r.values, n));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : NaN;
  return { mean, se: sd / Math.sqrt(xs.length) };
}
console.log(`\n${OBJECTIVE}, ${TRIALS} trials, seeds ${SEEDS[0]}-${SEEDS.at(-1)} (${N_SEEDS}): mean ± standard error of the best-so-far cv=3 accuracy`);
console.log(`| sampler | ${CHECKPOINTS.map((n) => `${n} trials`).join(' | ')} |`);
console.log(`|---|${CHECKPOINTS.map(() => '---').join('|')}|`);
for (const [name, rs] of Object.entries(runs)) {
  console.log(`| ${name} | ${CHECKPOINTS.map((n) => stats(rs, n)).map((s) => `${s.mean.toFixed(4)} ± ${s.se.toFixed(4)}`).join(' | ')} |`);
}
// Targets: TPE's mean at least Optuna's within one standard error (of the difference), and above
// random's by more than two standard errors of the difference ("clearly").
const g = runs['gridfold TPE'];
const o = runs['Optuna 3.1 TPESampler'];
const rnd = runs['random search (Optuna RandomSampler)'];
for (const n of CHECKPOINTS.filter((n) => n >= 20)) {
  const [a, b, c] = [stats(g, n), stats(o, n), stats(rnd, n)];
  const seOpt = Math.hypot(a.se, b.se);
  const seRnd = Math.hypot(a.se, c.se);
  console.log(
    `  ${n} trials: gridfold - Optuna = ${(a.mean - b.mean).toFixed(4)} (SE ${seOpt.toFixed(4)}) -> ${a.mean >= b.mean - seOpt ? 'holds' : 'MISSED'}; ` +
      `gridfold - random = ${(a.mean - c.mean).toFixed(4)} (SE ${seRnd.toFixed(4)}) -> ${a.mean - c.mean > 2 * seRnd ? 'clearly above' : 'NOT clearly above'}`,
  );
}
const meanS = (rs: Run[]) => rs.reduce((a, r) => a + r.s, 0) / rs.length;
console.log(`  wall time per study (${TRIALS} trials): gridfold TPE ${meanS(g).toFixed(1)} s, Optuna TPE + scikit-learn ${meanS(o).toFixed(1)} s, random ${meanS(rnd).toFixed(1)} s (both sides running at once on 2 shared cores)`);

// 4. One proposal with 100 and 1,000 finished trials of this objective (this run's trials, pooled).
const pooled = Object.values(runs).flatMap((rs) => rs.flatMap((r) => r.params.map((params, i) => ({ params, value: r.values[i] })))).filter((t) => Number.isFinite(t.value));
await printProposalTimes(SPACE as ParamSpace, pooled, python, 'finished');
console.log(`\n${((performance.now() - t0) / 1000).toFixed(0)} s in all`);
