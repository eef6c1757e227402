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
 * Issue 15, objective 3: MLPClassifier on an MNIST subset with a report per epoch, searched by
 * gridfold's TPE + ASHA (in-process `runExperiment`, `search: {kind: "tpe"}`, `pruner: {kind:
 * "asha"}`) and by Optuna 3.1's TPESampler + SuccessiveHalvingPruner driving scikit-learn's
 * MLPClassifier (bench/sklearn/study_mlp_optuna.py, run at the same time), with Optuna's
 * RandomSampler + SuccessiveHalvingPruner as the random baseline, and an exhaustive grid on each
 * side as the reference of the best accuracy and of the epochs it costs.
 *
 *   npx tsx bench/study-mlp.ts [--seeds 10] [--trials 80]
 *   npx tsx bench/study-mlp.ts --summarize   (the tables again from bench/out/study-mlp.json, e.g. of a cut-short run)
 *   npx tsx bench/study-mlp.ts --asha '{"min_resource": 4}' [--samplers tpe|none]   (other pruner settings on both sides,
 *     the default run's grids reused; bench/out/study-mlp-asha.json, bench/results/study-mlp-asha.json)
 *   npx tsx bench/study-mlp.ts --quick --seeds 2 --trials 6   (a 2-cell grid: checks the bench runs; bench/out/study-mlp-quick*.json)
 *   npx tsx bench/study-mlp.ts --gridfold-only --seeds 5   (gridfold's studies again after a change on its side: the grids and
 *     Optuna's studies kept from bench/out/study-mlp.json, which is rewritten with the new gridfold runs, as is the record)
 *   npx tsx bench/study-mlp.ts --gridfold-only --seed-from 5 --seeds 10   (more gridfold seeds, 5-14: the file's gridfold runs of
 *     other seeds are kept beside them, and the tables are over all of them)
 *
 * Design. gridfold's MLP draws scikit-learn's initial weights and shuffles but trains in float32
 * on TF.js, so its scores are close to, not equal to, scikit-learn's (the grid's cells are printed
 * side by side). The comparison is therefore search against search, each on its own side's MLP:
 * the target ("within 0.5 pp of the best grid accuracy with at most a third of the grid's
 * epochs") compares gridfold's TPE + ASHA with gridfold's grid, and Optuna's with scikit-learn's
 * grid on the same footing. Data: the first 3,000 MNIST training images, pixels / 255 (a CSV in
 * bench/out/ both sides read), 3-fold StratifiedKFold (2,000 training / 1,000 validation rows a
 * fold); MLPClassifier(max_iter=20 epochs, random_state=0, never stopping early). A trial's value
 * is its mean validation accuracy after 20 epochs; a pruned trial has none. gridfold prunes a
 * trial's three folds in lockstep on their mean after each epoch (evaluate/fold-lockstep.ts), as the
 * Optuna objective does (the usual cross-validated Optuna objective): both count every fold's epochs. Both pruners keep Optuna's defaults (min_resource "auto",
 * reduction_factor 4) unless --asha says otherwise. numpy runs one BLAS thread, as TF.js WASM does. Raw results: bench/out/study-mlp.json; the dashboard's record of
 * the run (its /bench/study-mlp page): bench/results/study-mlp.json.
 */
const { values: args } = parseArgs({ options: { seeds: { type: 'string' }, trials: { type: 'string' }, quick: { type: 'boolean', default: false }, summarize: { type: 'boolean', default: false }, 'gridfold-only': { type: 'boolean', default: false }, asha: { type: 'string' }, samplers: { type: 'string', default: 'tpe,random' }, 'seed-from': { type: 'string', default: '0' } } });
const N_SEEDS = Number(args.seeds ?? 10);
const TRIALS = Number(args.trials ?? 80);
const SEED_FROM = Number(args['seed-from']);
const SEEDS = Array.from({ length: N_SEEDS }, (_, i) => SEED_FROM + i);
const EPOCHS = 20;
const ROWS = 3000;
const OUT = fileURLToPath(new URL('./out/', import.meta.url));
const CSV_NAME = `mnist-${ROWS}-scaled.csv`;
const CSV = `${OUT}${CSV_NAME}`;
const PY = fileURLToPath(new URL('./sklearn/study_mlp_optuna.py', import.meta.url));

const SPACE: Record<string, SpaceParam> = {
  hidden_layer_sizes: { int: [16, 64], log: true },
  learning_rate_init: { float: [3e-4, 3e-2], log: true },
  alpha: { float: [1e-6, 1e-1], log: true },
  batch_size: [64, 128, 256],
};
/** The exhaustive grid over the same box: 2 x 3 x 2 x 2 = 24 cells (2 with --quick). */
const GRID = args.quick
  ? { hidden_layer_sizes: [16], learning_rate_init: [1e-3, 1e-2], alpha: [1e-5], batch_size: [256] }
  : { hidden_layer_sizes: [16, 64], learning_rate_init: [1e-3, 3e-3, 1e-2], alpha: [1e-5, 1e-2], batch_size: [64, 256] };
const FIXED = { max_iter: EPOCHS, n_iter_no_change: EPOCHS, random_state: 0 };

/** Runs study_mlp_optuna.py with `input` on stdin; calls onLine for each JSON line it prints. */
function python(input: object, onLine: (v: unknown) => void = () => {}): Promise<unknown[]> {
  // One BLAS thread, as gridfold's TF.js WASM backend here: on this shared 2-core machine a second only contends.
  return runPython(PY, { csv: CSV, space: SPACE, fixed: { random_state: FIXED.random_state }, epochs: EPOCHS, ...input }, onLine, 1);
}

function spec(extra: object): object {
  return { name: 'study-mlp', dataset: { source: 'csv', train: CSV_NAME, label: 'label' }, estimator: { name: 'MLPClassifier', params: FIXED }, cv: 3, refit: false, ...extra };
}

configureBench();
mkdirSync(OUT, { recursive: true });
if (!existsSync(CSV)) {
  await new Promise<void>((resolve, reject) => {
    const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
    const code = `import sys\nsys.path.insert(0, ${JSON.stringify(fixtures)})\nimport pandas as pd\nfrom mnist_idx import load_mnist\nX, y, _, _ = load_mnist()\ndf = pd.DataFrame(X[:${ROWS}] / 255.0, columns=[f"p{i}" for i in range(784)])\ndf["label"] = y[:${ROWS}]\ndf.to_csv(${JSON.stringify(CSV)}, index=False, float_format="%.6g")\n`;
    spawn('/usr/bin/python3', ['-c', code], { stdio: 'inherit' }).on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`writing ${CSV_NAME} failed`))));
  });
}

/** One study: per trial (in order) its value (null when pruned or failed), the epochs it spent, its state, the [step, value] it was pruned at, its params. */
type Run = { values: Array<number | null>; epochs: number[]; states: string[]; pruned: Array<[number, number] | null>; params: Params[]; s: number };
type Grid = { params: Params[]; scores: number[]; epochs: number; s: number };
const ARMS = { gridfold: 'gridfold TPE + ASHA (gridfold MLP)', optuna: 'Optuna 3.1 TPESampler + SuccessiveHalvingPruner (scikit-learn MLP)', random: 'Optuna RandomSampler + SuccessiveHalvingPruner (scikit-learn MLP)' } as const;
const runs: Record<keyof typeof ARMS, Run[]> = { gridfold: [], optuna: [], random: [] };
const grids: { gridfold?: Grid; sklearn?: Grid } = {};
/** The raw results; --quick keeps its own file, so a check never overwrites a real run's. */
/** Pruner settings other than Optuna's defaults (`--asha '{"min_resource": 4}'`), the same on both sides; raw results and record then go to -asha files. */
const ASHA: Record<string, number> = args.asha ? JSON.parse(args.asha) : {};
const VARIANT = args.quick ? '-quick' : args.asha ? '-asha' : '';
const RAW = `${OUT}study-mlp${VARIANT}.json`;
/** The seed of each gridfold run, in order (a --gridfold-only run may keep an earlier run's seeds beside its own). */
let gridfoldSeeds: number[] = [];
const save = () => writeFileSync(RAW, JSON.stringify({ objective: 'mlp-mnist', rows: ROWS, epochs: EPOCHS, trials: TRIALS, seeds: SEEDS, gridfold_seeds: gridfoldSeeds, space: SPACE, grid: GRID, fixed: FIXED, arms: ARMS, grids, runs }));

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const bestOf = (xs: Array<number | null>) => Math.max(-Infinity, ...xs.filter((x): x is number => x !== null));

const t0 = performance.now();
if (args.summarize) {
  const saved = JSON.parse(readFileSync(RAW, 'utf8'));
  Object.assign(grids, saved.grids);
  Object.assign(runs, saved.runs);
  gridfoldSeeds = saved.gridfold_seeds ?? saved.seeds.slice(0, saved.runs.gridfold.length);
} else {
  // scikit-learn's side: its grid, then the studies, in one python process next to this one.
  const gridParams: Params[] = [];
  for (const h of GRID.hidden_layer_sizes) for (const lr of GRID.learning_rate_init) for (const a of GRID.alpha) for (const b of GRID.batch_size) gridParams.push({ hidden_layer_sizes: h, learning_rate_init: lr, alpha: a, batch_size: b });
  // A pruner variant reuses the default run's grids (they do not depend on the pruner).
  const defaultRaw = `${OUT}study-mlp.json`;
  const reuse = args.asha && existsSync(defaultRaw) ? JSON.parse(readFileSync(defaultRaw, 'utf8')).grids : null;
  if (reuse?.gridfold && reuse?.sklearn) {
    Object.assign(grids, reuse);
    console.log(`  grids from ${defaultRaw}`);
  }
  // --gridfold-only: Optuna's side (it did not change) as the default run left it.
  const kept = args['gridfold-only'] ? JSON.parse(readFileSync(`${OUT}study-mlp.json`, 'utf8')) : null;
  if (kept) {
    Object.assign(grids, kept.grids);
    runs.optuna = kept.runs.optuna;
    runs.random = kept.runs.random;
    // gridfold's runs of seeds this run does not redo stay (files before gridfold_seeds: the runs of kept.seeds, in order).
    const keptSeeds: number[] = kept.gridfold_seeds ?? kept.seeds.slice(0, kept.runs.gridfold.length);
    for (const [i, seed] of keptSeeds.entries()) {
      if (SEEDS.includes(seed)) continue;
      runs.gridfold.push(kept.runs.gridfold[i]);
      gridfoldSeeds.push(seed);
    }
    if (gridfoldSeeds.length) console.log(`  gridfold seeds ${gridfoldSeeds.join(', ')} kept from ${OUT}study-mlp.json`);
  }
  const pythonDone = kept ? Promise.resolve() : (async () => {
    const t = performance.now();
    if (!grids.sklearn) {
      const [cells] = (await python({ mode: 'grid', params: gridParams })) as Array<Array<{ params: Params; curve: number[]; epochs: number }>>;
      grids.sklearn = { params: cells.map((c) => c.params), scores: cells.map((c) => c.curve.at(-1)!), epochs: cells.reduce((a, c) => a + c.epochs, 0), s: (performance.now() - t) / 1000 };
      console.log(`  scikit-learn grid: best ${Math.max(...grids.sklearn.scores).toFixed(4)} in ${grids.sklearn.s.toFixed(0)} s`);
      save();
    }
    await python({ mode: 'study', seeds: SEEDS, trials: TRIALS, samplers: args.samplers === 'none' ? [] : args.samplers!.split(','), pruner: ASHA }, (v) => {
      const r = v as Run & { sampler: string; seed: number };
      runs[r.sampler === 'tpe' ? 'optuna' : 'random'].push({ values: r.values, epochs: r.epochs, states: r.states, pruned: r.pruned, params: r.params, s: r.s });
      console.log(`  optuna ${r.sampler} seed ${r.seed}: best ${bestOf(r.values).toFixed(4)}, ${sum(r.epochs)} epochs, ${r.s.toFixed(0)} s`);
      save();
    });
  })();

  // gridfold's side: its grid (a param_grid run of the same spec), then one TPE + ASHA study per seed.
  if (!grids.gridfold) {
    const t = performance.now();
    const r = await runExperiment(spec({ param_grid: Object.fromEntries(Object.entries(GRID).map(([k, v]) => [k, v])) }), { dataDir: OUT });
    if (r.status !== 'completed') throw new Error(`gridfold grid failed: ${r.error}`);
    const cv = r.cv_results!;
    grids.gridfold = { params: cv.params, scores: cv.mean_test_score.map((v) => v ?? -Infinity), epochs: cv.params.length * 3 * EPOCHS, s: (performance.now() - t) / 1000 };
    console.log(`  gridfold grid: best ${Math.max(...grids.gridfold.scores).toFixed(4)} in ${grids.gridfold.s.toFixed(0)} s`);
    save();
  }
  for (const seed of SEEDS) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    const r = await runExperiment(spec({ search: { kind: 'tpe', n_trials: TRIALS, seed }, param_space: SPACE, pruner: { kind: 'asha', ...ASHA } }), { dataDir: OUT });
    if (r.status !== 'completed') throw new Error(`gridfold study failed: ${r.error}`);
    const cv = r.cv_results!;
    const epochs = cv.params.map(() => 0);
    // Every fold's epochs (a trial's mean curve, judged by the pruner, is no training of its own).
    for (const c of r.curves ?? []) if (c.fold !== 'mean') epochs[c.cell] += c.steps.length;
    const values = cv.mean_test_score.map((v, i) => (cv.trial_state![i] === 'complete' ? v : null));
    const pruned = cv.trial_state!.map((st, i): [number, number] | null => (st === 'pruned' ? [cv.pruned_step![i]!, cv.pruned_value![i]!] : null));
    runs.gridfold.push({ values, epochs, states: cv.trial_state!, pruned, params: cv.params, s: (performance.now() - t) / 1000 });
    gridfoldSeeds.push(seed);
    const used = process.cpuUsage(cpu);
    console.log(`  gridfold tpe+asha seed ${seed}: best ${bestOf(values).toFixed(4)}, ${sum(epochs)} epochs, ${values.filter((v) => v !== null).length} complete, ${((performance.now() - t) / 1000).toFixed(0)} s (cpu ${((used.user + used.system) / 1e6).toFixed(0)} s)`);
    save();
  }
  await pythonDone;
  save();
}

// The two grids, cell by cell: how close the two MLPs are.
const g = grids.gridfold!, k = grids.sklearn!;
// Cells matched by their params (ParameterGrid orders gridfold's by sorted keys).
const cellKey = (p: Params) => JSON.stringify(Object.keys(p).sort().map((key) => [key, p[key]]));
const kByKey = new Map(k.params.map((p, i) => [cellKey(p), k.scores[i]]));
const diffs = g.scores.map((s, i) => s - kByKey.get(cellKey(g.params[i]))!);
console.log(`\nthe grid (${g.params.length} cells x 3 folds x ${EPOCHS} epochs = ${g.epochs} epochs): gridfold's MLP vs scikit-learn's, mean cv=3 accuracy`);
console.log(`  best: gridfold ${Math.max(...g.scores).toFixed(4)} (${JSON.stringify(g.params[g.scores.indexOf(Math.max(...g.scores))])}), scikit-learn ${Math.max(...k.scores).toFixed(4)} (${JSON.stringify(k.params[k.scores.indexOf(Math.max(...k.scores))])})`);
console.log(`  gridfold - scikit-learn per cell: mean ${(sum(diffs) / diffs.length).toFixed(4)}, max |diff| ${Math.max(...diffs.map(Math.abs)).toFixed(4)}; wall time ${g.s.toFixed(0)} s vs ${k.s.toFixed(0)} s`);

// Best-so-far (complete trials only) by trial count and by cumulative epochs: mean ± standard error over seeds.
function meanSe(xs: number[]): { mean: number; se: number } {
  const mean = sum(xs) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : NaN;
  return { mean, se: sd / Math.sqrt(xs.length) };
}
const byTrials = (r: Run, n: number) => bestOf(r.values.slice(0, n));
function byEpochs(r: Run, budget: number): number {
  let spent = 0, best = -Infinity;
  for (const [i, v] of r.values.entries()) {
    spent += r.epochs[i];
    if (spent > budget) break;
    if (v !== null) best = Math.max(best, v);
  }
  return best;
}
const fmt = (s: { mean: number; se: number }) => (Number.isFinite(s.mean) ? `${s.mean.toFixed(4)} ± ${s.se.toFixed(4)}` : 'none yet');
const CHECK_TRIALS = [10, 20, 40, 60, 80].filter((n) => n <= TRIALS);
console.log(`\nbest-so-far mean cv=3 accuracy by trials, mean ± standard error over seeds (${Object.entries(runs).map(([a, rs]) => `${a} ${rs.length}`).join(', ')})`);
console.log(`| search | ${CHECK_TRIALS.map((n) => `${n} trials`).join(' | ')} | epochs spent in ${TRIALS} trials | wall s / study |`);
console.log(`|---|${CHECK_TRIALS.map(() => '---').join('|')}|---|---|`);
for (const [arm, rs] of (Object.entries(runs) as Array<[keyof typeof ARMS, Run[]]>).filter(([, rs]) => rs.length > 0)) {
  console.log(`| ${ARMS[arm]} | ${CHECK_TRIALS.map((n) => fmt(meanSe(rs.map((r) => byTrials(r, n))))).join(' | ')} | ${fmt(meanSe(rs.map((r) => sum(r.epochs)))).replace(/\.0000/g, '')} | ${(sum(rs.map((r) => r.s)) / rs.length).toFixed(0)} |`);
}
const BUDGETS = [g.epochs / 24, g.epochs / 12, g.epochs / 6, g.epochs / 3].map(Math.round);
console.log(`\nbest-so-far by cumulative epochs (grid: ${g.epochs}), mean ± standard error over seeds; grid best: gridfold ${Math.max(...g.scores).toFixed(4)}, scikit-learn ${Math.max(...k.scores).toFixed(4)}`);
console.log(`| search | ${BUDGETS.map((b) => `${b} epochs`).join(' | ')} |`);
console.log(`|---|${BUDGETS.map(() => '---').join('|')}|`);
for (const [arm, rs] of (Object.entries(runs) as Array<[keyof typeof ARMS, Run[]]>).filter(([, rs]) => rs.length > 0)) console.log(`| ${ARMS[arm]} | ${BUDGETS.map((b) => fmt(meanSe(rs.map((r) => byEpochs(r, b))))).join(' | ')} |`);

// The target: gridfold's TPE + ASHA within 0.5 pp of gridfold's grid best with at most a third of its epochs.
const third = g.epochs / 3;
const gridBest = Math.max(...g.scores);
const reach = runs.gridfold.map((r) => byEpochs(r, third));
const m = meanSe(reach);
const seedsIn = reach.filter((v) => v >= gridBest - 0.005).length;
console.log(`\ntarget: gridfold TPE + ASHA after at most ${third} epochs (a third of the grid's): ${fmt(m)} vs grid best ${gridBest.toFixed(4)} -> gap ${((gridBest - m.mean) * 100).toFixed(2)} pp (mean over seeds) -> ${gridBest - m.mean <= 0.005 ? 'HOLDS' : 'MISSED'}; ${seedsIn} of ${reach.length} seeds within 0.5 pp`);
console.log(`  per seed, gap to the grid's best in pp: ${reach.map((v, i) => `${gridfoldSeeds[i] ?? i}: ${((gridBest - v) * 100).toFixed(2)}`).join(', ')}`);
if (SEED_FROM && !args.summarize) {
  // This run's seeds alone: e.g. seeds held out from an exploration of earlier seeds.
  const own = reach.filter((_, i) => SEEDS.includes(gridfoldSeeds[i]));
  const mo = meanSe(own);
  console.log(`  this run's seeds (${SEEDS[0]}-${SEEDS.at(-1)}) alone: ${fmt(mo)} -> gap ${((gridBest - mo.mean) * 100).toFixed(2)} pp -> ${gridBest - mo.mean <= 0.005 ? 'HOLDS' : 'MISSED'}`);
}
const kBest = Math.max(...k.scores);
const mk = meanSe(runs.optuna.map((r) => byEpochs(r, k.epochs / 3)));
if (runs.optuna.length) console.log(`  Optuna TPE + SHA, same rule against scikit-learn's grid: ${fmt(mk)} vs ${kBest.toFixed(4)} -> gap ${((kBest - mk.mean) * 100).toFixed(2)} pp`);

// The dashboard's record of this run (bench/results/study-mlp.json, bundled into its /bench/study-mlp page).
{
  type Ref = { name: string; kind: 'mean' | 'constant'; points: Array<[number, number, number | null]> };
  const seedsOf = (rs: Run[]) => `${rs.length} seed${rs.length === 1 ? '' : 's'}`;
  const meanLine = (rs: Run[], xs: number[], at: (r: Run, x: number) => number, x0 = 0): Array<[number, number, number | null]> =>
    xs.flatMap((x) => {
      const v = rs.map((r) => at(r, x));
      if (!v.every(Number.isFinite)) return [];
      const { mean, se } = meanSe(v);
      return [[x - x0, mean, Number.isFinite(se) ? se : null] as [number, number, number | null]];
    });
  const armNames = { gridfold: 'gridfold TPE + ASHA (mean)', optuna: 'Optuna TPE + SHA, scikit-learn MLP (mean)', random: 'Optuna random + SHA, scikit-learn MLP (mean)' } as const;
  const arms = (Object.entries(runs) as Array<[keyof typeof ARMS, Run[]]>).filter(([, rs]) => rs.length > 0);
  const trialXs = Array.from({ length: TRIALS }, (_, i) => i + 1);
  const maxEpochs = Math.max(third, ...arms.flatMap(([, rs]) => rs.map((r) => sum(r.epochs))));
  const epochXs = Array.from({ length: Math.ceil(maxEpochs / 10) + 1 }, (_, i) => i * 10);
  const constant = (name: string, value: number, xMax: number): Ref => ({ name, kind: 'constant', points: [[0, value, null], [xMax, value, null]] });
  const s0 = runs.gridfold[0];
  const record = {
    name: `study-mlp${VARIANT}`,
    title: `Objective 3: MLPClassifier on MNIST, TPE + ASHA against Optuna${args.asha ? ` (pruner ${args.asha})` : ''}`,
    description:
      `MLPClassifier (20 epochs, a report per epoch) on the first ${ROWS.toLocaleString('en')} MNIST training images, 3-fold cross-validation, searched over hidden units, learning_rate_init, alpha and batch_size: ` +
      `gridfold's TPE + ASHA on gridfold's MLP; Optuna 3.1's TPESampler + SuccessiveHalvingPruner and RandomSampler + SuccessiveHalvingPruner on scikit-learn's MLP (close to, not equal to, gridfold's); ` +
      `the exhaustive ${g.params.length}-cell grid on each side for reference. ${TRIALS} trials per study; means over seeds (${arms.map(([a, rs]) => `${a} ${seedsOf(rs)}`).join(', ')}).`,
    command: 'npx tsx bench/study-mlp.ts' + (args['gridfold-only'] ? ' --gridfold-only' : '') + (SEED_FROM ? ` --seed-from ${SEED_FROM}` : '') + (N_SEEDS !== 10 || TRIALS !== 80 ? ` --seeds ${N_SEEDS} --trials ${TRIALS}` : '') + (args.asha ? ` --asha '${args.asha}'` : '') + (args.samplers !== 'tpe,random' ? ` --samplers ${args.samplers}` : ''),
    date: new Date().toISOString().slice(0, 10),
    study: {
      label: 'gridfold TPE + ASHA, seed 0',
      cv: { params: s0.params, mean_test_score: s0.values, trial_state: s0.states, pruned_step: s0.pruned.map((p) => p?.[0] ?? null), pruned_value: s0.pruned.map((p) => p?.[1] ?? null) },
    },
    by_trial: [
      ...arms.map(([a, rs]): Ref => ({ name: armNames[a], kind: 'mean', points: meanLine(rs, trialXs, byTrials, 1) })),
      constant(`gridfold grid best (${g.params.length} cells)`, gridBest, TRIALS - 1),
      constant(`scikit-learn grid best (${k.params.length} cells)`, kBest, TRIALS - 1),
    ],
    by_epochs: [
      ...arms.map(([a, rs]): Ref => ({ name: armNames[a], kind: 'mean', points: meanLine(rs, epochXs, byEpochs) })),
      constant(`gridfold grid best (${g.epochs.toLocaleString('en')} epochs)`, gridBest, epochXs.at(-1)!),
      constant(`scikit-learn grid best (${k.epochs.toLocaleString('en')} epochs)`, kBest, epochXs.at(-1)!),
    ],
    markers: [{ x: third, label: `a third of the grid's epochs (${third})` }],
    summary: [
      `Target (within 0.5 pp of the grid's best with at most a third of its epochs): gridfold TPE + ASHA after ${third} epochs ${fmt(m)} against gridfold's grid best ${gridBest.toFixed(4)}, a gap of ${((gridBest - m.mean) * 100).toFixed(2)} pp: ${gridBest - m.mean <= 0.005 ? 'holds' : 'missed'} (${seedsIn} of ${reach.length} seeds within 0.5 pp).`,
      ...(runs.optuna.length ? [`Optuna TPE + SHA by the same rule against scikit-learn's grid (best ${kBest.toFixed(4)}): ${fmt(mk)}, a gap of ${((kBest - mk.mean) * 100).toFixed(2)} pp.`] : []),
    ],
  };
  const RESULTS = args.quick ? OUT : fileURLToPath(new URL('./results/', import.meta.url));
  const file = `${RESULTS}study-mlp${args.quick ? '-quick.record' : VARIANT}.json`;
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(file, `${JSON.stringify(record)}\n`);
  console.log(`\nwrote ${file}${args.quick ? '' : ` (the dashboard's /bench/study-mlp${VARIANT} page; rebuild the dashboard to show it)`}`);
}

// One proposal with 100 and 1,000 finished trials (this run's complete trials, pooled; repeated when fewer).
const pooled = Object.values(runs).flatMap((rs) => rs.flatMap((r) => r.params.map((params, i) => ({ params, value: r.values[i] })))).filter((t): t is { params: Params; value: number } => t.value !== null);
if (!args['gridfold-only']) await printProposalTimes(SPACE as ParamSpace, pooled, python, 'complete');
console.log(`\n${((performance.now() - t0) / 1000).toFixed(0)} s in all`);
