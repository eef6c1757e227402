import { describe, expect, it } from 'vitest';
import { initialWeights, trainNetwork, type MlpActivation, type MlpWeights, type StepKernel } from '../../src/estimators/mlp-network.js';
import { loadTfjs } from '../../src/kernels/tfjs.js';
import { RandomState } from '../../src/random/numpy-random-state.js';

/**
 * The onnxruntime training step (`mlp-onnx-adam.ts`, one graph per mini-batch) against the
 * TensorFlow.js step (`mlp-adam.ts`) it replaces under WASM and CPU: same initial weights,
 * shuffles and data, three epochs of batches of 32 (the last batch of each epoch is 22 rows,
 * so the per-batch scalars change), and the weights and losses must agree to float32
 * rounding. Data: 150 rows of 20 uniform features from RandomState(3), labels `i % classes`.
 */
async function fitBoth(units: number[], activation: MlpActivation): Promise<Record<StepKernel, { weights: MlpWeights; lossCurve: number[] }>> {
  const tfjs = await loadTfjs();
  const rows = 150;
  const source = new RandomState(3);
  const X = Float32Array.from({ length: rows * units[0] }, () => 2 * source.randomSample() - 1);
  const classes = Math.max(2, units[units.length - 1]);
  const labels = Int32Array.from({ length: rows }, (_, i) => i % classes);
  const fit = (stepKernel: StepKernel) => {
    const rng = new RandomState(0);
    return trainNetwork(tfjs, initialWeights(units, activation, rng), { X, rows, labels }, null, {
      activation, alpha: 0.01, batchSize: 32, learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
      maxIter: 3, shuffle: true, tol: 0, nIterNoChange: 10, verbose: false, rng, stepKernel,
    });
  };
  return { tfjs: await fit('tfjs'), onnx: await fit('onnx') };
}

function maxDifference(a: MlpWeights, b: MlpWeights): number {
  let max = 0;
  for (const key of ['coefs', 'intercepts'] as const) {
    a[key].forEach((values, layer) => values.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[key][layer][j])))));
  }
  return max;
}

describe('MLP training step on onnxruntime', () => {
  // Measured differences: at most 1e-6 (a few float32 ulps of weights of size ~0.1-1, from
  // summation order), except tanh with one output at 4.4e-6, where Adam divides near-zero
  // moments; 2e-5 leaves room for other CPUs' GEMM blocking and fails on any real error (a
  // wrong gradient moves weights by ~learning_rate = 0.01 in the first step).
  const tolerance = 2e-5;
  for (const [units, activation] of [
    [[20, 16, 8, 3], 'relu'],
    [[20, 16, 8, 3], 'tanh'],
    [[20, 12, 1], 'logistic'],
    [[20, 12, 1], 'tanh'],
    [[20, 16, 3], 'identity'],
  ] as const) {
    it(`gives the TensorFlow.js step's weights and losses (${units.join('-')}, ${activation})`, async () => {
      const { tfjs, onnx } = await fitBoth([...units], activation);
      expect(maxDifference(onnx.weights, tfjs.weights)).toBeLessThan(tolerance);
      onnx.lossCurve.forEach((loss, i) => expect(loss).toBeCloseTo(tfjs.lossCurve[i], 5));
    });
  }
});
