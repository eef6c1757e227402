/**
 * RandomForestClassifier on the MNIST 5-detector (seed 003 cells [36]-[41]) against
 * scikit-learn 1.2.1 in the same run on the same machine:
 * cross_val_predict(RandomForestClassifier(random_state=42), cv=3, method="predict_proba")
 * with n_jobs=-1 on scikit-learn's side and GRIDFOLD_THREADS (default: every core) on ours.
 * Both sides time the cross-validation alone (fold slicing, fits, probabilities), not the
 * dataset load. Our forests are grown from scikit-learn's seeds, so the probabilities are
 * compared value by value as well. Run: npx tsx bench/forest.ts
 */
import { loadMnist } from '../packages/core/src/datasets/mnist.js';
import { RandomForestClassifier } from '../packages/core/src/estimators/random-forest.js';
import { forestThreads } from '../packages/core/src/estimators/tree/tree-pool.js';
import { f1Score, rocAucScore } from '../packages/core/src/metrics/index.js';
import { StratifiedKFold } from '../packages/core/src/splitters/index.js';
import { takeTarget } from '../packages/core/src/matrix.js';
import { configureBench } from './configure.js';
import { ratio, sklearnBaseline } from './sklearn-baseline.js';

interface SkRun {
  seconds: number;
  roc_auc: number;
  f1: number;
  proba1: number[];
}

configureBench();
const { train } = await loadMnist();
const X = train.X;
const y = Int32Array.from(train.y, (label) => Number(label === 5));

const t0 = performance.now();
const proba1 = new Float64Array(y.length);
const foldMs: number[] = [];
for (const { train: tr, test } of new StratifiedKFold({ nSplits: 3 }).split(y)) {
  const f0 = performance.now();
  const forest = await new RandomForestClassifier({ random_state: 42 }).fit(X.take(tr), takeTarget(y, tr));
  const proba = await forest.predictProba(X.take(test));
  test.forEach((row, i) => (proba1[row] = proba.data[2 * i + 1]));
  foldMs.push(performance.now() - f0);
}
const ours = (performance.now() - t0) / 1000;
const oursPred = Int32Array.from(proba1, (p) => Number(p > 1 - p));

const sk = await sklearnBaseline<SkRun>('forest_5_detector.py');
let maxDiff = 0;
sk.proba1.forEach((p, i) => (maxDiff = Math.max(maxDiff, Math.abs(p - proba1[i]))));

const rows = [
  ['', 'gridfold (in-process)', 'scikit-learn 1.2.1', 'ratio'],
  ['cross_val_predict cv=3, predict_proba', `${ours.toFixed(2)} s`, `${sk.seconds.toFixed(2)} s`, ratio(sk.seconds, ours)],
  ['per fold (fit 40,000 + predict_proba 20,000)', foldMs.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', '), '', ''],
  ['ROC AUC (seed: 0.9983436731328145)', String(rocAucScore(y, proba1)), String(sk.roc_auc), ''],
  ['F1 of predict', f1Score(y, oursPred).toFixed(5), sk.f1.toFixed(5), ''],
  ['F1 of probability >= 0.5 (seed cell [40]: 0.92745)', f1Score(y, Int32Array.from(proba1, (p) => Number(p >= 0.5))).toFixed(5), '', ''],
  ['max |probability difference|', String(maxDiff), '', ''],
];
console.log(`RandomForestClassifier(random_state=42), MNIST 5-detector 60,000 x 784, ${forestThreads()} threads`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
