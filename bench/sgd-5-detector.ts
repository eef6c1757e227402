/**
 * SGDClassifier on MNIST against scikit-learn 1.2 on the same folds, in one run.
 *
 *   node --import tsx bench/sgd-5-detector.ts [--multiclass]
 *
 * Python (/usr/bin/python3) picks the folds (StratifiedKFold(3), no shuffle, as
 * cross_val_score(cv=3)), fits SGDClassifier(random_state=42) on each and reports its
 * test rows, predictions and times; ours then fits the same rows. The seed notebook's
 * 5-detector numbers: accuracies 0.95035, 0.96035, 0.9604; out-of-fold confusion matrix
 * [[53892, 687], [1891, 3530]], precision 0.837, recall 0.651. Multiclass (10 digits):
 * 0.87365, 0.85835, 0.8689. The machine may be shared, so the 1-minute load average is
 * printed before and after, and our fits' CPU time beside their wall time.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '../packages/core/src/datasets/mnist.js';
import { SGDClassifier } from '../packages/core/src/estimators/sgd.js';

interface SklearnFold { test: number[]; pred: number[]; fitMs: number; nIter: number }

const multiclass = process.argv.includes('--multiclass');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const python = `
import json, sys, time
sys.path.insert(0, ${JSON.stringify(join(root, 'fixtures'))})
from mnist_idx import load_mnist
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import StratifiedKFold
X, y, _, _ = load_mnist()
y = y if ${multiclass ? 'True' : 'False'} else (y == 5).astype(int)
folds = []
for train, test in StratifiedKFold(3).split(X, y):
    t0 = time.perf_counter()
    clf = SGDClassifier(random_state=42).fit(X[train], y[train])
    fit_ms = (time.perf_counter() - t0) * 1000
    folds.append({"test": test.tolist(), "pred": clf.predict(X[test]).tolist(), "fitMs": fit_ms, "nIter": int(clf.n_iter_)})
print(json.dumps(folds))
`;

function runSklearn(): SklearnFold[] {
  const run = spawnSync('/usr/bin/python3', ['-W', 'ignore', '-c', python], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as SklearnFold[];
}

function binaryReport(label: string, y: Int32Array, oof: Int32Array): void {
  const cm = [[0, 0], [0, 0]];
  for (let i = 0; i < y.length; i++) cm[y[i]][oof[i]]++;
  const precision = cm[1][1] / (cm[1][1] + cm[0][1]);
  const recall = cm[1][1] / (cm[1][1] + cm[1][0]);
  console.log(`${label}: confusion ${JSON.stringify(cm)}  precision ${precision.toFixed(4)}  recall ${recall.toFixed(4)}`);
}

const { train } = await loadMnist();
const X = train.X;
const y = multiclass ? train.y : Int32Array.from(train.y, (label) => Number(label === 5));
console.log(`MNIST ${multiclass ? '10-class' : '5-detector'}: ${X.rows} x ${X.cols}, SGDClassifier(random_state=42), StratifiedKFold(3)`);

console.log(`load average (1 min) before: ${loadavg()[0].toFixed(2)}`);
const sk = runSklearn();
const ours = new Int32Array(y.length);
const skOof = new Int32Array(y.length);
let oursTotal = 0, skTotal = 0;
for (const [k, fold] of sk.entries()) {
  const inTest = new Uint8Array(y.length);
  for (const i of fold.test) inTest[i] = 1;
  const trainIdx = Int32Array.from({ length: y.length }, (_, i) => i).filter((i) => !inTest[i]);
  const Xtr = X.take(trainIdx), Xte = X.take(fold.test);
  const ytr = Int32Array.from(trainIdx, (i) => y[i]);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const clf = await new SGDClassifier({ random_state: 42 }).fit(Xtr, ytr);
  const fitMs = performance.now() - t0;
  const cpuMs = process.cpuUsage(cpu0).user / 1000;
  const pred = await clf.predict(Xte);
  let ok = 0, skOk = 0;
  fold.test.forEach((i, r) => {
    ours[i] = pred[r];
    skOof[i] = fold.pred[r];
    ok += Number(pred[r] === y[i]);
    skOk += Number(fold.pred[r] === y[i]);
  });
  oursTotal += fitMs;
  skTotal += fold.fitMs;
  const nIter = clf.nIter!;
  const epochs = multiclass ? `${nIter} (max over classes)` : `${nIter}`;
  console.log(
    `fold ${k}: accuracy ours ${(ok / fold.test.length).toFixed(5)} sklearn ${(skOk / fold.test.length).toFixed(5)} | ` +
      `n_iter ours ${epochs} sklearn ${fold.nIter} | fit ms ours ${fitMs.toFixed(0)} (cpu ${cpuMs.toFixed(0)}) sklearn ${fold.fitMs.toFixed(0)} | ` +
      // One-vs-rest problems stop at different epochs, so a per-epoch time only means something for one problem.
      (multiclass ? '' : `ms/epoch ours ${(fitMs / nIter).toFixed(1)} sklearn ${(fold.fitMs / fold.nIter).toFixed(1)}`),
  );
}
let agree = 0;
for (let i = 0; i < y.length; i++) agree += Number(ours[i] === skOof[i]);
console.log(`out-of-fold predictions identical to sklearn's: ${agree} / ${y.length}`);
if (!multiclass) {
  binaryReport('ours   ', y, ours);
  binaryReport('sklearn', y, skOof);
}
console.log(`total fit time: ours ${oursTotal.toFixed(0)} ms, sklearn ${skTotal.toFixed(0)} ms, ratio ours/sklearn ${(oursTotal / skTotal).toFixed(2)}`);
console.log(`load average (1 min) after: ${loadavg()[0].toFixed(2)}`);
