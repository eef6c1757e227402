import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
 *   npx tsx bench/study-vs-optuna.ts --objective sgd-mnist [--seeds 10] [--trials 40] [--max-iter 10]
 *   npx tsx bench/study-vs-optuna.ts --objective sgd-mnist --report
 *   npx tsx bench/study-vs-optuna.ts --objective sgd-mnist --seeds 10 --max-iter 10 --resume
 * Optuna's two samplers run in two python processes, both at the same time as gridfold's studies.
 * --report prints the tables and writes the record from the raw results of an earlier (or still
 * running) run, over the seeds every sampler has finished. --resume keeps the raw results of an
 * earlier run with the same objective, trials and max_iter and runs only the seeds each sampler
 * has not finished (a stopped run goes on where it was; without it a run starts from seed 0 and
 * overwrites the raw file).
 * svc-digits: SVC(C, gamma) on scikit-learn's 8x8 digits (1,797 images, written to
 *   bench/out/digits.csv by python), C log-uniform [1e-3, 1e3], gamma log-uniform [1e-5, 1e-1].
 * sgd-mnist: StandardScaler + SGDClassifier(random_state=42) on the first 10,000 MNIST training
 *   images: alpha log-uniform [1e-6, 1e-1], l1_ratio uniform [0, 1], penalty and loss categorical.
 *   Heavy with scikit-learn's max_iter=1000: one cv=3 trial took about 100 s in gridfold and 290 s
 *   in scikit-learn on this shared 2-core machine, so 40 trials x 3 samplers x 10 seeds is more
 *   than a day here (RESULTS.md). --max-iter fixes SGDClassifier's max_iter on both sides.
 * Raw values per sampler and seed go to bench/out/study-<objective>.json; the dashboard's record of
 * the run (its /bench/study-<objective> page) to bench/results/study-<objective>.json.
 */
const { values: args } = parseArgs({
  options: { objective: { type: 'string', default: 'svc-digits' }, seeds: { type: 'string' }, trials: { type: 'string' }, 'max-iter': { type: 'string' }, report: { type: 'boolean', default: false }, resume: { type: 'boolean', default: false } },
});
const OBJECTIVE = args.objective as 'svc-digits' | 'sgd-mnist';
if (OBJECTIVE !== 'svc-digits' && OBJECTIVE !== 'sgd-mnist') throw new Error('--objective svc-digits | sgd-mnist');
const N_SEEDS = Number(args.seeds ?? 10);
const TRIALS = Number(args.trials ?? (OBJECTIVE === 'svc-digits' ? 60 : 40));
const MAX_ITER = args['max-iter'] === undefined ? null : Number(args['max-iter']);
if (MAX_ITER !== null && OBJECTIVE !== 'sgd-mnist') throw new Error('--max-iter is an SGDClassifier parameter (--objective sgd-mnist)');
const OUT = fileURLToPath(new URL('./out/', import.meta.url));
const RAW = `${OUT}study-${OBJECTIVE}.json`;
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
        { sgdclassifier__alpha: 1e-6, sgdclassifier__l1_ratio: 0.15, sgdclassifier__penalty: 'l1', sgdclassifier__loss: 'modified_huber' },
      ];

function spec(extra: object): object {
  const base =
    OBJECTIVE === 'svc-digits'
      ? { dataset: { source: 'csv', train: 'digits.csv', label: 'label' }, estimator: { name: 'SVC' }, cv: 3 }
      : {
          dataset: { source: 'mnist' },
          estimator: { name: 'Pipeline', steps: [{ name: 'StandardScaler' }, { name: 'SGDClassifier', params: { random_state: 42, ...(MAX_ITER === null ? {} : { max_iter: MAX_ITER }) } }] },
          cv: { n_splits: 3, subset: 10000 },
        };
  return { name: `study-${OBJECTIVE}`, ...base, refit: false, ...extra };
}

/** Runs study_optuna.py (one BLAS thread, as gridfold runs one) with `input` on stdin; calls onLine for each JSON line it prints. */
function python(input: object, onLine: (v: unknown) => void = () => {}): Promise<unknown[]> {
  return runPython(PY, { objective: OBJECTIVE, digits_csv: DIGITS, space: SPACE, max_iter: MAX_ITER, ...input }, onLine, 1);
}

async function gridfoldRun(extra: object) {
  const r = await runExperiment(spec(extra), { dataDir: OUT });
  if (r.status !== 'completed') throw new Error(`gridfold failed: ${r.error}`);
  return r;
}

type Run = { seed: number; values: number[]; params: Params[]; s: number };
const SAMPLERS = { gridfold: 'gridfold TPE', tpe: 'Optuna 3.1 TPESampler', random: 'random search (Optuna RandomSampler)' } as const;
type Sampler = keyof typeof SAMPLERS;
type Raw = { objective: string; trials: number; seeds: number[]; max_iter: number | null; space: object; runs: Record<Sampler, Run[]> };

configureBench();
mkdirSync(OUT, { recursive: true });
const t0 = performance.now();
const raw: Raw = args.report ? (JSON.parse(readFileSync(RAW, 'utf8')) as Raw) : await study();
if (args.report && raw.max_iter !== MAX_ITER) throw new Error(`${RAW} was run with max_iter ${raw.max_iter}: pass the same --max-iter`);
report(raw);
await printProposalTimes(SPACE as ParamSpace, pooled(raw.runs), python, 'finished');
console.log(`\n${((performance.now() - t0) / 1000).toFixed(0)} s in all`);

/** 1. The estimators agree; 2. the studies. Returns the raw results (also saved as they come). */
async function study(): Promise<Raw> {
  const seeds = Array.from({ length: N_SEEDS }, (_, i) => i);
  const raw: Raw = args.resume ? resumed(seeds) : { objective: OBJECTIVE, trials: TRIALS, seeds, max_iter: MAX_ITER, space: SPACE, runs: { gridfold: [], tpe: [], random: [] } };
  const todo = (sampler: Sampler) => seeds.filter((seed) => !raw.runs[sampler].some((r) => r.seed === seed));
  if (args.resume) console.log(`resuming ${RAW}: seeds to run ${Object.keys(SAMPLERS).map((k) => `${k} [${todo(k as Sampler).join(', ')}]`).join(', ')}`);
  if (OBJECTIVE === 'svc-digits' && !existsSync(DIGITS)) {
    await new Promise<void>((resolve, reject) => {
      const code = `import pandas as pd\nfrom sklearn.datasets import load_digits\nX, y = load_digits(return_X_y=True)\ndf = pd.DataFrame(X.astype(int), columns=[f"p{i}" for i in range(64)])\ndf["label"] = y\ndf.to_csv(${JSON.stringify(DIGITS)}, index=False)\n`;
      spawn('/usr/bin/python3', ['-c', code], { stdio: 'inherit' }).on('exit', (c) => (c === 0 ? resolve() : reject(new Error('writing digits.csv failed'))));
    });
  }

  // 1. The estimators agree: gridfold's cv score equals scikit-learn's for the same params.
  const [sk] = (await python({ mode: 'check', params: CHECK })) as Array<Array<{ mean: number; folds: number[] }>>;
  console.log(`${OBJECTIVE}${MAX_ITER === null ? '' : ` (max_iter ${MAX_ITER})`}: gridfold's cv=3 score vs scikit-learn's for the same params`);
  let agree = true;
  for (const [i, params] of CHECK.entries()) {
    const t = performance.now();
    const r = await gridfoldRun({ estimator: { ...(spec({}) as { estimator: object }).estimator, ...(OBJECTIVE === 'svc-digits' ? { params } : {}) }, ...(OBJECTIVE === 'sgd-mnist' ? { param_grid: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])) } : {}) });
    const ours = r.cv_results!.mean_test_score[0]!;
    agree &&= ours === sk[i].mean;
    console.log(`  ${JSON.stringify(params)}: gridfold ${ours} (${((performance.now() - t) / 1000).toFixed(1)} s), scikit-learn ${sk[i].mean} -> ${ours === sk[i].mean ? 'equal' : 'DIFFERENT'}`);
  }
  if (!agree) console.log('  the estimators differ: the comparison below compares more than the search');

  // 2. The studies: Optuna's TPE and random, each in a python process, while gridfold's run here.
  const save = () => writeFileSync(RAW, JSON.stringify(raw));
  const optunaDone = (['tpe', 'random'] as const).map((sampler) =>
    todo(sampler).length === 0 ? Promise.resolve([]) : python({ mode: 'study', seeds: todo(sampler), trials: TRIALS, samplers: [sampler] }, (v) => {
      const r = v as Run & { sampler: Sampler };
      raw.runs[sampler].push({ seed: r.seed, values: r.values, params: r.params, s: r.s });
      console.log(`  optuna ${sampler} seed ${r.seed}: best ${Math.max(...r.values).toFixed(4)} in ${r.s.toFixed(0)} s`);
      save();
    }),
  );
  for (const seed of todo('gridfold')) {
    // A study here can run for minutes on promises alone, never reaching libuv's poll phase: without
    // this turn the python processes would not get their stdin's end (nor we their lines) until
    // every gridfold study had finished (seen: both waited 16 min on stdin with sgd-mnist).
    await new Promise((resolve) => setImmediate(resolve));
    const t = performance.now();
    const r = await gridfoldRun({ search: { kind: 'tpe', n_trials: TRIALS, seed }, param_space: SPACE });
    const cv = r.cv_results!;
    const values = cv.mean_test_score.map((v) => v ?? -Infinity);
    raw.runs.gridfold.push({ seed, values, params: cv.params, s: (performance.now() - t) / 1000 });
    console.log(`  gridfold tpe seed ${seed}: best ${Math.max(...values).toFixed(4)} in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    save();
  }
  await Promise.all(optunaDone);
  return raw;
}

/** The raw results of an earlier run of the same study, its seeds widened to `seeds`; throws when the run differs. */
function resumed(seeds: number[]): Raw {
  if (!existsSync(RAW)) throw new Error(`--resume: ${RAW} does not exist (run without --resume first)`);
  const old = JSON.parse(readFileSync(RAW, 'utf8')) as Raw;
  for (const [what, was, now] of [['objective', old.objective, OBJECTIVE], ['trials', old.trials, TRIALS], ['max_iter', old.max_iter, MAX_ITER], ['space', JSON.stringify(old.space), JSON.stringify(SPACE)]] as const) {
    if (was !== now) throw new Error(`--resume: ${RAW} was run with ${what} ${was}, this run has ${now}: pass the same options or run without --resume`);
  }
  return { ...old, seeds: [...new Set([...old.seeds, ...seeds])].sort((a, b) => a - b) };
}

/** Every sampler's finished trials, pooled (for the proposal times). */
function pooled(runs: Record<Sampler, Run[]>): Array<{ params: Params; value: number }> {
  return Object.values(runs).flatMap((rs) => rs.flatMap((r) => r.params.map((params, i) => ({ params, value: r.values[i] })))).filter((t) => Number.isFinite(t.value));
}

/**
 * 3. Best-so-far at each checkpoint (mean ± standard error over the seeds every sampler has
 * finished), the targets, and the dashboard's record of the run.
 */
function report(raw: Raw): void {
  const trials = raw.trials;
  const checkpoints = [10, 20, 40, 60].filter((n) => n <= trials);
  const seeds = raw.seeds.filter((seed) => Object.values(raw.runs).every((rs) => rs.some((r) => r.seed === seed)));
  const runs = Object.fromEntries(Object.entries(raw.runs).map(([k, rs]) => [k, seeds.map((seed) => rs.find((r) => r.seed === seed)!)])) as Record<Sampler, Run[]>;
  const best = (values: number[], n: number) => Math.max(...values.slice(0, n));
  function stats(rs: Run[], n: number): { mean: number; se: number } {
    const xs = rs.map((r) => best(r.values, n));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : NaN;
    return { mean, se: sd / Math.sqrt(xs.length) };
  }
  const seedText = `seeds ${seeds.join(', ')} (${seeds.length}${seeds.length < raw.seeds.length ? ` of ${raw.seeds.length}: those every sampler finished` : ''})`;
  console.log(`\n${OBJECTIVE}${raw.max_iter === null ? '' : `, max_iter ${raw.max_iter}`}, ${trials} trials, ${seedText}: mean ± standard error of the best-so-far cv=3 accuracy`);
  console.log(`| sampler | ${checkpoints.map((n) => `${n} trials`).join(' | ')} |`);
  console.log(`|---|${checkpoints.map(() => '---').join('|')}|`);
  for (const [k, rs] of Object.entries(runs)) {
    console.log(`| ${SAMPLERS[k as Sampler]} | ${checkpoints.map((n) => stats(rs, n)).map((s) => `${s.mean.toFixed(4)} ± ${s.se.toFixed(4)}`).join(' | ')} |`);
  }
  // Targets: TPE's mean at least Optuna's within one standard error (of the difference), and above
  // random's by more than two standard errors of the difference ("clearly").
  const summary: string[] = [];
  for (const n of checkpoints.filter((n) => n >= 20)) {
    const [a, b, c] = [stats(runs.gridfold, n), stats(runs.tpe, n), stats(runs.random, n)];
    const seOpt = Math.hypot(a.se, b.se);
    const seRnd = Math.hypot(a.se, c.se);
    const line =
      `${n} trials: gridfold - Optuna = ${(a.mean - b.mean).toFixed(4)} (SE ${seOpt.toFixed(4)}) -> ${a.mean >= b.mean - seOpt ? 'holds' : 'MISSED'}; ` +
      `gridfold - random = ${(a.mean - c.mean).toFixed(4)} (SE ${seRnd.toFixed(4)}) -> ${a.mean - c.mean > 2 * seRnd ? 'clearly above' : 'NOT clearly above'}`;
    summary.push(line);
    console.log(`  ${line}`);
  }
  const meanS = (rs: Run[]) => rs.reduce((a, r) => a + r.s, 0) / rs.length;
  console.log(`  wall time per study (${trials} trials): gridfold TPE ${meanS(runs.gridfold).toFixed(1)} s, Optuna TPE + scikit-learn ${meanS(runs.tpe).toFixed(1)} s, random ${meanS(runs.random).toFixed(1)} s (three processes at once on 2 shared cores)`);

  // The dashboard's record (bench/results/study-<objective>.json, bundled into its /bench page).
  const xs = Array.from({ length: trials }, (_, i) => i + 1);
  const meanLine = (rs: Run[]): Array<[number, number, number | null]> =>
    xs.map((n) => {
      const { mean, se } = stats(rs, n);
      return [n - 1, mean, Number.isFinite(se) ? se : null];
    });
  const s0 = runs.gridfold[0];
  const TITLES = { 'svc-digits': 'Objective 1: SVC on digits, gridfold TPE against Optuna', 'sgd-mnist': 'Objective 2: StandardScaler + SGDClassifier on MNIST, gridfold TPE against Optuna' };
  const DESCRIPTIONS = {
    'svc-digits': "SVC(C, gamma) on scikit-learn's 8x8 digits (1,797 images), 3-fold cross-validation, C log-uniform [1e-3, 1e3], gamma log-uniform [1e-5, 1e-1]",
    'sgd-mnist': `StandardScaler + SGDClassifier(random_state=42${raw.max_iter === null ? '' : `, max_iter=${raw.max_iter}`}) on the first 10,000 MNIST training images, 3-fold cross-validation, alpha log-uniform [1e-6, 1e-1], l1_ratio uniform [0, 1], penalty {l2, l1, elasticnet}, loss {hinge, log_loss, modified_huber}`,
  };
  const record = {
    name: `study-${OBJECTIVE}`,
    title: TITLES[OBJECTIVE],
    description:
      `${DESCRIPTIONS[OBJECTIVE]}, accuracy maximized: gridfold's TPE on gridfold's estimators against Optuna 3.1's TPESampler and RandomSampler on scikit-learn's (the same scores for the same params, so only the search differs). ` +
      `${trials} trials per study; means over ${seeds.length} seed${seeds.length === 1 ? '' : 's'}.`,
    command: `npx tsx bench/study-vs-optuna.ts --objective ${OBJECTIVE} --seeds ${raw.seeds.length}` + (trials !== (OBJECTIVE === 'svc-digits' ? 60 : 40) ? ` --trials ${trials}` : '') + (raw.max_iter === null ? '' : ` --max-iter ${raw.max_iter}`),
    date: new Date().toISOString().slice(0, 10),
    study: { label: `gridfold TPE, seed ${s0.seed}`, cv: { params: s0.params, mean_test_score: s0.values, trial_state: s0.values.map(() => 'complete') } },
    by_trial: (Object.keys(SAMPLERS) as Sampler[]).map((k) => ({ name: `${SAMPLERS[k]} (mean)`, kind: 'mean', points: meanLine(runs[k]) })),
    by_epochs: [],
    markers: [],
    summary: [`Targets (gridfold TPE's mean best so far at least Optuna's within one standard error, and more than two above random's), ${seedText}:`, ...summary],
  };
  const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(`${RESULTS}study-${OBJECTIVE}.json`, `${JSON.stringify(record)}\n`);
  console.log(`\nwrote ${RESULTS}study-${OBJECTIVE}.json (the dashboard's /bench/study-${OBJECTIVE} page; rebuild the dashboard to show it)`);
}
