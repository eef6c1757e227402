/**
 * Time per epoch of MLPClassifier(hidden_layer_sizes=[300]) on all 60,000 MNIST training
 * images (standardised, as experiments/mnist-mlp-grid.json does), and the test accuracy
 * after those epochs, against scikit-learn 1.2.1's MLPClassifier on the same data in the
 * same run (bench/sklearn/mlp_epoch.py), with the ratio. `--tfjs-step` also times the
 * TensorFlow.js training step (`stepKernel: 'tfjs'`, the path before onnxruntime ran it).
 *
 *   npx tsx bench/mlp-epoch.ts [--epochs 3] [--batch-size 200] [--tfjs-step] [--no-sklearn]
 *   GRIDFOLD_TFJS_BACKEND=cpu npx tsx bench/mlp-epoch.ts --epochs 1
 */
import { loadMnist } from '../packages/core/src/datasets/mnist.js';
import { MLPClassifier } from '../packages/core/src/estimators/mlp.js';
import { initialWeights, trainNetwork } from '../packages/core/src/estimators/mlp-network.js';
import { StandardScaler } from '../packages/core/src/estimators/standard-scaler.js';
import { kernelThreads } from '../packages/core/src/kernels/kernel-settings.js';
import { loadTfjs } from '../packages/core/src/kernels/tfjs.js';
import { RandomState } from '../packages/core/src/random/numpy-random-state.js';
import { configureBench } from './configure.js';
import { ratio, sklearnBaseline } from './sklearn-baseline.js';

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
};
const epochs = arg('--epochs', 3);
const batchSize = arg('--batch-size', 200);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

configureBench();
const t0 = performance.now();
const tfjs = await loadTfjs();
const loadMs = performance.now() - t0;
const { train, test } = await loadMnist();
const scaler = await new StandardScaler().fit(train.X);
const [X, Xtest] = [await scaler.transform(train.X), await scaler.transform(test.X)];
console.log(`backend ${tfjs.backend} (TF.js loaded in ${loadMs.toFixed(0)} ms), ${kernelThreads()} kernel threads; MNIST ${X.rows} x ${X.cols}, hidden [300], batch ${batchSize}, ${epochs} epoch(s)`);

// scikit-learn first, alone on the machine's cores, as gridfold is after it.
interface SkRun {
  fit_s: number;
  epoch_s: number;
  epoch_cpu_s: number;
  loss_curve: number[];
  test_accuracy: number;
}
const sk = process.argv.includes('--no-sklearn') ? null : await sklearnBaseline<SkRun>('mlp_epoch.py', [String(epochs), String(batchSize)]);

const clf = new MLPClassifier({ hidden_layer_sizes: [300], max_iter: epochs, batch_size: batchSize, random_state: 42, tol: 0 });
const marks: number[] = [];
clf.onEpoch = () => marks.push(performance.now());
const started = performance.now();
const cpuStarted = process.cpuUsage();
await clf.fit(X, train.y);
const fitMs = performance.now() - started;
const cpu = process.cpuUsage(cpuStarted);
// CPU time over all of the process's threads (onnxruntime's included): the figure that stays
// comparable when other jobs share the cores and stretch wall times.
const fitCpuMs = (cpu.user + cpu.system) / 1000;
const perEpoch = marks.map((m, i) => m - (i === 0 ? started : marks[i - 1]));
perEpoch.forEach((ms, i) => console.log(`epoch ${i + 1}: ${seconds(ms)}, loss ${clf.lossCurve![i].toFixed(5)}${sk ? ` (scikit-learn ${sk.loss_curve[i].toFixed(5)})` : ''}`));
const t1 = performance.now();
const accuracy = await clf.score(Xtest, test.y);
console.log(`test accuracy after ${epochs} epoch(s): ${accuracy.toFixed(4)} (predict ${seconds(performance.now() - t1)})${sk ? `; scikit-learn ${sk.test_accuracy.toFixed(4)}` : ''}`);

const rows = [['', 'gridfold', 'scikit-learn', 'scikit-learn / gridfold']];
// The fit's mean epoch, the first included, is what scikit-learn's figure is (its fit over epochs).
rows.push([`time per epoch, mean over ${epochs} (${clf.nIter} run)`, seconds(fitMs / epochs), sk ? `${sk.epoch_s.toFixed(2)} s` : '', sk ? ratio(sk.epoch_s * 1000, fitMs / epochs) : '']);
rows.push([`CPU time per epoch, mean over ${epochs}`, seconds(fitCpuMs / epochs), sk ? `${sk.epoch_cpu_s.toFixed(2)} s` : '', sk ? ratio(sk.epoch_cpu_s * 1000, fitCpuMs / epochs) : '']);
if (perEpoch.length > 1) rows.push(['time per epoch after the first', seconds(mean(perEpoch.slice(1))), '', '']);

if (process.argv.includes('--tfjs-step')) {
  // The same fit as MLPClassifier's (initial weights and shuffles from RandomState(42)), with the TensorFlow.js step.
  const rng = new RandomState(42);
  const init = initialWeights([X.cols, 300, 10], 'relu', rng);
  const tfMarks: number[] = [];
  const tfStarted = performance.now();
  const outcome = await trainNetwork(tfjs, init, { X: X.toFloat32().data, rows: X.rows, labels: train.y }, null, {
    activation: 'relu', alpha: 1e-4, batchSize, learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, maxIter: epochs,
    shuffle: true, tol: 0, nIterNoChange: 10, verbose: false, rng, stepKernel: 'tfjs', onEpoch: () => tfMarks.push(performance.now()),
  });
  const tfMs = performance.now() - tfStarted;
  console.log(`TensorFlow.js step (${tfjs.backend}) losses: ${outcome.lossCurve.map((l) => l.toFixed(5)).join(' ')}`);
  rows.push([`TensorFlow.js step (${tfjs.backend}): time per epoch, mean over ${epochs}`, seconds(tfMs / epochs), sk ? `${sk.epoch_s.toFixed(2)} s` : '', sk ? ratio(sk.epoch_s * 1000, tfMs / epochs) : '']);
}
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
