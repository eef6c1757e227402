// A small convolutional network for MNIST digits, written by hand with TensorFlow.js, as a
// gridfold objective: it gets one fold's training and validation rows, trains, reports the
// validation accuracy after every epoch (the learning curves of the experiment page) and
// returns its final accuracy (the score) and loss (an extra metric: mean_test_loss).
//
// `gridfold run` bundles this file and leaves `@tensorflow/tfjs` to the worker, which hands
// over its own TensorFlow.js on the backend it started (tfjs-node, WASM or plain CPU).
import * as tf from '@tensorflow/tfjs';
import type { Matrix, ObjectiveContext, Params, Target } from '@gridfold/core';

const SIDE = 28;
const CLASSES = 10;
/** Side of the convolution's output: a 3x3 'valid' convolution loses a pixel at each edge. */
const OUT = SIDE - 2;

/**
 * Conv 3x3 (relu) -> max-pool 2x2 -> dense softmax over the 10 digits, trained with Adam on
 * mini-batches. Params: `filters` (8), `learning_rate` (0.01), `epochs` (3), `batch_size` (32).
 * Only exported functions are objectives: every helper below stays unexported.
 */
export async function cnn(params: Params, ctx: ObjectiveContext): Promise<{ score: number; loss: number }> {
  const filters = Number(params.filters ?? 8);
  const learningRate = Number(params.learning_rate ?? 0.01);
  const epochs = Number(params.epochs ?? 3);
  const batchSize = Number(params.batch_size ?? 32);
  if (!ctx.validation) throw new Error('cnn scores on validation rows: give the spec a cv');
  const train = pixels(ctx.train.X);
  const trainLabels = labels(ctx.train.y);
  const validation = pixels(ctx.validation.X);
  const validationLabels = labels(ctx.validation.y);

  // TF.js initialisers take a seed: ctx.seed is the same for this (params, fold) on every worker and retry.
  const pooled = (OUT / 2) * (OUT / 2) * filters;
  // tidy frees the initial values; the variables (which tidy keeps) hold their own copies.
  const weights: Weights = tf.tidy(() => ({
    conv: tf.variable(tf.initializers.heNormal({ seed: ctx.seed }).apply([9, filters])),
    convBias: tf.variable(tf.zeros([filters])),
    dense: tf.variable(tf.initializers.glorotUniform({ seed: ctx.seed + 1 }).apply([pooled, CLASSES])),
    denseBias: tf.variable(tf.zeros([CLASSES])),
  }));
  const optimizer = tf.train.adam(learningRate);
  try {
    let last = { accuracy: NaN, loss: NaN };
    const order = Array.from({ length: trainLabels.length }, (_, i) => i);
    for (let epoch = 1; epoch <= epochs; epoch++) {
      shuffle(order, ctx.random);
      for (let start = 0; start < order.length; start += batchSize) {
        // The worker aborts on cancel or timeout; the signal changes only while we yield to the event loop.
        await new Promise((resolve) => setImmediate(resolve));
        if (ctx.signal.aborted) throw new Error(`cnn: stopped in epoch ${epoch} (${String(ctx.signal.reason ?? 'aborted')})`);
        const rows = order.slice(start, start + batchSize);
        // minimize runs the function in a tidy scope: the batch tensors and gradients are freed after the step.
        optimizer.minimize(() => crossEntropy(forward(weights, patches(train, rows)), oneHot(trainLabels, rows)), false);
      }
      last = evaluate(weights, validation, validationLabels);
      ctx.report(epoch, last.accuracy);
    }
    return { score: last.accuracy, loss: last.loss };
  } finally {
    optimizer.dispose();
    tf.dispose(Object.values(weights));
  }
}

interface Weights {
  conv: tf.Variable;
  convBias: tf.Variable;
  dense: tf.Variable;
  denseBias: tf.Variable;
}

/**
 * Logits of a batch from its 3x3 patches (see {@link patches}). The convolution is one matMul
 * of the patches with the [9, filters] weights: the same as `tf.conv2d` with those weights
 * reshaped to [3, 3, 1, filters], but its gradient needs only matMul. TF.js's WASM backend has
 * no kernel for conv2d's filter gradient, so `tf.conv2d` (and `tf.layers.conv2d`) cannot train
 * there; this trains on every backend.
 */
function forward(w: Weights, patches: tf.Tensor2D): tf.Tensor2D {
  const n = patches.shape[0] / (OUT * OUT);
  const conv = tf.reshape(tf.relu(tf.add(tf.matMul(patches, w.conv as tf.Tensor2D), w.convBias)), [n, OUT, OUT, -1]) as tf.Tensor4D;
  const features = tf.maxPool(conv, 2, 2, 'valid');
  return tf.add(tf.matMul(tf.reshape(features, [n, -1]), w.dense as tf.Tensor2D), w.denseBias);
}

/** Mean softmax cross-entropy of logits against one-hot labels. */
function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** Accuracy and mean cross-entropy on held-out rows, 250 images at a time. */
function evaluate(w: Weights, images: Float32Array, y: Int32Array): { accuracy: number; loss: number } {
  let hits = 0;
  let loss = 0;
  for (let start = 0; start < y.length; start += 250) {
    const rows = Array.from({ length: Math.min(250, y.length - start) }, (_, i) => start + i);
    const [predicted, lossSum] = tf.tidy(() => {
      const logits = forward(w, patches(images, rows));
      return [tf.argMax(logits, 1).dataSync(), tf.mul(crossEntropy(logits, oneHot(y, rows)), rows.length).dataSync()[0]] as const;
    });
    rows.forEach((r, i) => (hits += predicted[i] === y[r] ? 1 : 0));
    loss += lossSum;
  }
  return { accuracy: hits / y.length, loss: loss / y.length };
}

/** The 784 pixel columns (0..255) of each row, scaled to [0, 1]. */
function pixels(X: Matrix): Float32Array {
  if (X.cols !== SIDE * SIDE) throw new Error(`cnn needs 28x28 images (784 columns), got ${X.cols} columns: use the mnist dataset`);
  return Float32Array.from(X.data, (v) => v / 255);
}

function labels(y: Target): Int32Array {
  if (!(y instanceof Int32Array)) throw new Error('cnn needs class labels (a multiclass target)');
  return y;
}

/**
 * The 3x3 neighbourhood of every output pixel of the images `rows` (im2col): a
 * [rows * 26 * 26, 9] tensor, row (image, i, j) holding pixels (i..i+2, j..j+2) row by row.
 * Cut here in plain JS because the images are data (no gradient flows into them), which is
 * also faster than cutting them with tensor ops.
 */
function patches(images: Float32Array, rows: number[]): tf.Tensor2D {
  const out = new Float32Array(rows.length * OUT * OUT * 9);
  let o = 0;
  for (const r of rows) {
    const image = r * SIDE * SIDE;
    for (let i = 0; i < OUT; i++) {
      for (let j = 0; j < OUT; j++) {
        for (let di = 0; di < 3; di++) for (let dj = 0; dj < 3; dj++) out[o++] = images[image + (i + di) * SIDE + j + dj];
      }
    }
  }
  return tf.tensor2d(out, [rows.length * OUT * OUT, 9]);
}

function oneHot(y: Int32Array, rows: number[]): tf.Tensor2D {
  const out = new Float32Array(rows.length * CLASSES);
  rows.forEach((r, i) => (out[i * CLASSES + y[r]] = 1));
  return tf.tensor2d(out, [rows.length, CLASSES]);
}

/** Fisher-Yates with the objective's own random stream: the same epoch orders on every run. */
function shuffle(order: number[], random: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
}
