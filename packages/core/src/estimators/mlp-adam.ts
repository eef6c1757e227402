import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import type { MlpActivation, TrainSettings } from './mlp-network.js';

/**
 * One mini-batch step of scikit-learn's `_backprop` and `AdamOptimizer`, written out rather
 * than left to autodiff: the gradients `a[i-1]ᵀ · δ[i]` and `δ[i+1] · W[i+1]ᵀ` then use
 * explicitly transposed operands, which the WASM backend multiplies ~6x faster than a
 * transposed matMul (measured on 200 x 784 by 200 x 300: 9 ms + 1 ms transpose vs 60 ms).
 */
export class Adam {
  private readonly kernels: TfLayers.LayerVariable[];
  private readonly biases: TfLayers.LayerVariable[];
  private moments: Array<{ m: TfCore.Tensor; v: TfCore.Tensor }>;
  private t = 0;

  constructor(
    private readonly tf: typeof TfCore,
    private readonly model: TfLayers.Sequential,
    private readonly s: TrainSettings,
  ) {
    this.kernels = model.layers.map((layer) => layer.trainableWeights[0]);
    this.biases = model.layers.map((layer) => layer.trainableWeights[1]);
    this.moments = [...this.kernels, ...this.biases].map((p) => ({ m: tf.zerosLike(p.read()), v: tf.zerosLike(p.read()) }));
  }

  /** Updates the weights on one batch (tensors consumed) and returns the batch loss. */
  step(X: TfCore.Tensor2D, Y: TfCore.Tensor2D, size: number): number {
    const { tf, s } = this;
    const nOut = Y.shape[1];
    const old = this.moments;
    const loss = tf.tidy(() => {
      const acts: TfCore.Tensor2D[] = [X];
      for (const layer of this.model.layers) acts.push(layer.apply(acts[acts.length - 1], { training: true }) as TfCore.Tensor2D);
      const logits = acts[acts.length - 1];
      const ce = nOut === 1 ? tf.losses.sigmoidCrossEntropy(Y, logits) : tf.losses.softmaxCrossEntropy(Y, logits);
      const squares = tf.addN(this.kernels.map((k) => tf.sum(tf.square(k.read()))));
      const loss = tf.add(ce, tf.mul(squares, (0.5 * s.alpha) / size));
      const coefGrads: TfCore.Tensor[] = [];
      const interceptGrads: TfCore.Tensor[] = [];
      let delta = tf.div(tf.sub(nOut === 1 ? tf.sigmoid(logits) : tf.softmax(logits), Y), size) as TfCore.Tensor2D;
      for (let i = this.kernels.length - 1; i >= 0; i--) {
        const W = this.kernels[i].read() as TfCore.Tensor2D;
        coefGrads[i] = tf.add(tf.matMul(tf.transpose(acts[i]), delta), tf.mul(W, s.alpha / size));
        interceptGrads[i] = tf.sum(delta, 0);
        if (i > 0) delta = tf.mul(tf.matMul(delta, tf.transpose(W)), derivative(tf, s.activation, acts[i]));
      }
      this.t++;
      const rate = (s.learningRate * Math.sqrt(1 - s.beta2 ** this.t)) / (1 - s.beta1 ** this.t);
      const params = [...this.kernels, ...this.biases];
      this.moments = [...coefGrads, ...interceptGrads].map((g, j) => {
        const m = tf.keep(tf.add(tf.mul(old[j].m, s.beta1), tf.mul(g, 1 - s.beta1)));
        const v = tf.keep(tf.add(tf.mul(old[j].v, s.beta2), tf.mul(tf.square(g), 1 - s.beta2)));
        params[j].write(tf.sub(params[j].read(), tf.mul(rate, tf.div(m, tf.add(tf.sqrt(v), s.epsilon)))));
        return { m, v };
      });
      return loss;
    });
    tf.dispose([X, Y, ...old.flatMap(({ m, v }) => [m, v])]);
    const value = loss.dataSync()[0];
    loss.dispose();
    return value;
  }

  dispose(): void {
    this.tf.dispose(this.moments.flatMap(({ m, v }) => [m, v]));
  }
}

/** scikit-learn's `DERIVATIVES`, in terms of the activation's output `a`. */
function derivative(tf: typeof TfCore, activation: MlpActivation, a: TfCore.Tensor2D): TfCore.Tensor | number {
  switch (activation) {
    case 'relu':
      return tf.cast(tf.greater(a, 0), 'float32');
    case 'tanh':
      return tf.sub(1, tf.square(a));
    case 'logistic':
      return tf.mul(a, tf.sub(1, a));
    case 'identity':
      return 1;
  }
}
