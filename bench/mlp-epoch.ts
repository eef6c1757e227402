/**
 * Time per epoch of MLPClassifier(hidden_layer_sizes=[300]) on all 60,000 MNIST training
 * images (standardised, as experiments/mnist-mlp-grid.json does), on the TensorFlow.js
 * backend this machine has, and the test accuracy after those epochs.
 *
 *   node --import tsx bench/mlp-epoch.ts [--epochs 3] [--batch-size 200]
 *   GRIDFOLD_TFJS_BACKEND=cpu node --import tsx bench/mlp-epoch.ts --epochs 1
 */
import { loadMnist } from '../packages/core/src/datasets/mnist.js';
import { MLPClassifier } from '../packages/core/src/estimators/mlp.js';
import { StandardScaler } from '../packages/core/src/estimators/standard-scaler.js';
import { tfjsBackend } from '../packages/core/src/kernels/tfjs.js';
import { configureBench } from './configure.js';

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
};
const epochs = arg('--epochs', 3);
const batchSize = arg('--batch-size', 200);

configureBench();
const t0 = performance.now();
const backend = await tfjsBackend();
const loadMs = performance.now() - t0;
const { train, test } = await loadMnist();
const scaler = await new StandardScaler().fit(train.X);
const [X, Xtest] = [await scaler.transform(train.X), await scaler.transform(test.X)];
console.log(`backend ${backend} (TF.js loaded in ${loadMs.toFixed(0)} ms); MNIST ${X.rows} x ${X.cols}, hidden [300], batch ${batchSize}, ${epochs} epoch(s)`);

const clf = new MLPClassifier({ hidden_layer_sizes: [300], max_iter: epochs, batch_size: batchSize, random_state: 42, tol: 0 });
const marks: number[] = [];
clf.onEpoch = () => marks.push(performance.now());
const started = performance.now();
await clf.fit(X, train.y);
const perEpoch = marks.map((m, i) => m - (i === 0 ? started : marks[i - 1]));
perEpoch.forEach((ms, i) => console.log(`epoch ${i + 1}: ${(ms / 1000).toFixed(2)} s, loss ${clf.lossCurve![i].toFixed(5)}`));
const steady = perEpoch.length > 1 ? perEpoch.slice(1) : perEpoch;
console.log(`time per epoch: ${(steady.reduce((a, b) => a + b, 0) / steady.length / 1000).toFixed(2)} s (mean${perEpoch.length > 1 ? ' after the first' : ''}); fit ${((performance.now() - started) / 1000).toFixed(1)} s`);
const t1 = performance.now();
console.log(`test accuracy after ${epochs} epoch(s): ${(await clf.score(Xtest, test.y)).toFixed(4)} (predict ${((performance.now() - t1) / 1000).toFixed(2)} s)`);
