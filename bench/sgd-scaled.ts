/**
 * StandardScaler + SGDClassifier(random_state=42) on MNIST's 10 digits against scikit-learn
 * 1.2 on the same folds, in one run (issue 17's heaviest seed case,
 * experiments/mnist-sgd-multiclass-scaled.json, fit by fit).
 *
 *   node --import tsx bench/sgd-scaled.ts [--subset 10000] [--max-iter 1000] [--before] [--threads N]
 *
 * Python (/usr/bin/python3) picks the folds (StratifiedKFold(3), no shuffle, as
 * cross_val_score(cv=3)) on the first `subset` training images, fits the pipeline on each
 * (one process, one thread: scikit-learn fits the ten one-vs-rest problems one after
 * another) and reports its fit times and coefficients; ours fits the same rows and every
 * coefficient and intercept is compared bit for bit. `--before` also times the path this
 * replaced for dense rows (the ten problems one after another over sparse rows, sgd-rows.ts)
 * on the same scaled rows, its coefficients compared too. The machine may be shared, so the
 * 1-minute load average is printed before and after, and our CPU time (every thread's) beside
 * the wall time. `--threads N` sets the kernel threads the one-vs-rest problems spread over
 * (default: every core, as `gridfold run --local`).
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '../packages/core/src/datasets/mnist.js';
import { configureKernels, kernelThreads } from '../packages/core/src/kernels/kernel-settings.js';
import type { Matrix } from '../packages/core/src/matrix.js';
import { makePipeline } from '../packages/core/src/estimators/pipeline.js';
import { SGDClassifier } from '../packages/core/src/estimators/sgd.js';
import { StandardScaler } from '../packages/core/src/estimators/standard-scaler.js';
import { plainSgd } from '../packages/core/src/estimators/sgd-plain.js';
import { SgdRows } from '../packages/core/src/estimators/sgd-rows.js';
import { RandomState, SKLEARN_MAX_INT } from '../packages/core/src/random/numpy-random-state.js';

interface SklearnFold { train: number[]; fitMs: number; cpuMs: number; nIter: number; coef: number[][]; intercept: number[] }

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const subset = arg('--subset', 60_000);
const maxIter = arg('--max-iter', 1000);
const before = process.argv.includes('--before');
if (process.argv.includes('--threads')) configureKernels({ threads: arg('--threads', 1) });

/** The pre-issue-17 fit: each one-vs-rest problem in turn over sparse rows (same seeds as SGDClassifier). */
function oneAfterAnother(X: Matrix, y: Int32Array): { coef: number[]; intercept: number[] } {
  const rng = new RandomState(42);
  const classes = Array.from(new Set(y)).sort((a, b) => a - b);
  const states = classes.map(() => new RandomState(rng.randint(0, SKLEARN_MAX_INT)));
  const rows = new SgdRows(X);
  const coef: number[] = [], intercept: number[] = [];
  classes.forEach((c, k) => {
    states[k].randint(1, SKLEARN_MAX_INT);
    const fit = plainSgd(rows, Float64Array.from(y, (v) => (v === c ? 1 : -1)), {
      loss: 'hinge', penalty: 'l2', alpha: 1e-4, l1Ratio: 0.15, maxIter, tol: 1e-3, nIterNoChange: 5, fitIntercept: true, shuffle: true,
      seed: states[k].randint(0, SKLEARN_MAX_INT), learningRate: 'optimal', eta0: 0, powerT: 0.5, average: 0, validationMask: null,
    });
    coef.push(...fit.weights);
    intercept.push(fit.intercept);
  });
  return { coef, intercept };
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const python = `
import json, sys, time
sys.path.insert(0, ${JSON.stringify(join(root, 'fixtures'))})
from mnist_idx import load_mnist
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
X, y, _, _ = load_mnist()
X, y = X[:${subset}], y[:${subset}]
folds = []
for train, test in StratifiedKFold(3).split(X, y):
    t0, c0 = time.perf_counter(), time.process_time()
    pipe = make_pipeline(StandardScaler(), SGDClassifier(random_state=42, max_iter=${maxIter})).fit(X[train], y[train])
    fit_ms, cpu_ms = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
    sgd = pipe[-1]
    folds.append({"train": train.tolist(), "fitMs": fit_ms, "cpuMs": cpu_ms, "nIter": int(sgd.n_iter_), "coef": sgd.coef_.tolist(), "intercept": sgd.intercept_.tolist()})
print(json.dumps(folds))
`;

const { train } = await loadMnist();
console.log(`MNIST 10 digits, first ${subset} images, StandardScaler + SGDClassifier(random_state=42, max_iter=${maxIter}), StratifiedKFold(3), ${kernelThreads()} kernel threads`);
console.log(`load average (1 min) before: ${loadavg()[0].toFixed(2)}`);
const run = spawnSync('/usr/bin/python3', ['-W', 'ignore', '-c', python], { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } });
if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`);
const sk = JSON.parse(run.stdout) as SklearnFold[];
let ours = 0, oursCpu = 0, theirs = 0, theirsCpu = 0, differing = 0, total = 0, beforeCpu = 0, beforeDiffering = 0;
for (const [k, fold] of sk.entries()) {
  const idx = Int32Array.from(fold.train);
  const X = train.X.take(idx);
  const y = Int32Array.from(idx, (i) => train.y[i]);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const pipe = await makePipeline(new StandardScaler(), new SGDClassifier({ random_state: 42, max_iter: maxIter })).fit(X, y);
  const fitMs = performance.now() - t0;
  const cpuMs = process.cpuUsage(cpu0).user / 1000;
  const sgd = pipe.finalEstimator() as SGDClassifier;
  const expected = [...fold.coef.flat(), ...fold.intercept];
  const got = [...sgd.coef!.data, ...sgd.intercept!];
  const diff = expected.filter((v, i) => !Object.is(v, got[i])).length;
  differing += diff;
  total += expected.length;
  let beforeNote = '';
  if (before) {
    const scaled = await (pipe.steps[0][1] as StandardScaler).transform(X);
    const c0 = process.cpuUsage();
    const old = oneAfterAnother(scaled, y);
    const ms = process.cpuUsage(c0).user / 1000;
    beforeCpu += ms;
    const oldDiff = [...old.coef, ...old.intercept].filter((v, i) => !Object.is(v, expected[i])).length;
    beforeDiffering += oldDiff;
    beforeNote = ` | before (one after another, sgd only): cpu ${ms.toFixed(0)} ms, ${oldDiff} values differing`;
  }
  ours += fitMs;
  oursCpu += cpuMs;
  theirs += fold.fitMs;
  theirsCpu += fold.cpuMs;
  console.log(
    `fold ${k}: n_iter ours ${sgd.nIter} sklearn ${fold.nIter} | coefficients + intercepts differing from sklearn's: ${diff} / ${expected.length} | ` +
      `fit ms ours ${fitMs.toFixed(0)} (cpu ${cpuMs.toFixed(0)}) sklearn ${fold.fitMs.toFixed(0)} (cpu ${fold.cpuMs.toFixed(0)})${beforeNote}`,
  );
}
console.log(`bit-identical to sklearn: ${differing === 0 ? 'yes' : 'NO'} (${total - differing} / ${total} values)`);
console.log(`total fit time: ours ${ours.toFixed(0)} ms (cpu ${oursCpu.toFixed(0)}), sklearn ${theirs.toFixed(0)} ms (cpu ${theirsCpu.toFixed(0)}); sklearn / ours: wall ${(theirs / ours).toFixed(2)}x, cpu ${(theirsCpu / oursCpu).toFixed(2)}x`);
if (before) console.log(`before: cpu ${beforeCpu.toFixed(0)} ms (SGD alone, scaling not counted), ${beforeDiffering} values differing from sklearn; before / now (cpu): ${(beforeCpu / oursCpu).toFixed(2)}x`);
console.log(`load average (1 min) after: ${loadavg()[0].toFixed(2)}`);
