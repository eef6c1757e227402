import { gradientOf, mlpGradientGraph, STEP_IO, STEP_SCALARS, stepParameters } from '../kernels/mlp-graphs.js';
import { cachedSession, ort } from '../kernels/session.js';
import { FusedAdam } from './mlp-fused-adam.js';
import type { MlpWeights, TrainSettings } from './mlp-network.js';

/**
 * The training step of `mlp-adam.ts` in two parts: one onnxruntime session run per
 * mini-batch does the forward pass and backpropagation (`mlpGradientGraph`), so the dense
 * layers' GEMMs run in MLAS on the kernel settings' threads instead of TensorFlow.js's WASM
 * backend (single-threaded in Node); then one WebAssembly SIMD pass does Adam's update
 * (`mlp-fused-adam.ts`). The weights and gradients are views of that pass's memory:
 * onnxruntime reads the weights and writes the gradients there in place, so nothing is
 * allocated or copied per step but the batch itself.
 */
export class OnnxAdam {
  private t = 0;
  private readonly loss = new ort.Tensor('float32', new Float32Array(1), []);

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly units: number[],
    private readonly s: TrainSettings,
    private readonly adam: FusedAdam,
    private readonly params: Record<string, ort.Tensor>,
    private readonly grads: Record<string, ort.Tensor>,
  ) {}

  /** An optimiser starting from `init` with zero moments; the session is built once per architecture and thread count. */
  static async create(init: MlpWeights, s: TrainSettings): Promise<OnnxAdam> {
    const { units } = init;
    // Without spinning: a step is ~30 short operators, and on a shared machine (workers side by
    // side, other jobs) a spinning thread starves its partner (bench/RESULTS.md, "MLP epoch").
    const session = await cachedSession(`mlp_gradient_${units.join('_')}_${s.activation}`, () => mlpGradientGraph(units, s.activation), { spinning: false });
    const layers = units.length - 1;
    const adam = new FusedAdam([...init.coefs, ...init.intercepts], layers);
    const dims = (j: number) => (j < layers ? [units[j], units[j + 1]] : [units[j - layers + 1]]);
    const names = stepParameters(layers);
    const tensors = (views: Float32Array[], name: (p: string) => string) =>
      Object.fromEntries(names.map((p, j) => [name(p), new ort.Tensor('float32', views[j], dims(j))]));
    return new OnnxAdam(session, units, s, adam, tensors(adam.params, (p) => p), tensors(adam.grads, gradientOf));
  }

  /**
   * Updates the weights on one batch and returns its loss (before the update): `X` holds
   * `rows` rows of features, `Y` their targets (one-hot, or 0/1 for one output). The
   * buffers are read before the returned promise settles and may be reused after.
   */
  async step(X: Float32Array, Y: Float32Array, rows: number): Promise<number> {
    const { s, units } = this;
    this.t++;
    // The same float64 expressions the TensorFlow.js step passes as scalars.
    const scalars = [1 / rows, (0.5 * s.alpha) / rows];
    const feeds: Record<string, ort.Tensor> = {
      ...this.params,
      [STEP_IO.x]: new ort.Tensor('float32', X, [rows, units[0]]),
      [STEP_IO.y]: new ort.Tensor('float32', Y, [rows, units[units.length - 1]]),
    };
    STEP_SCALARS.forEach((name, i) => (feeds[name] = new ort.Tensor('float32', Float32Array.of(scalars[i]), [])));
    // onnxruntime-node fills preallocated outputs in place (and returns copies of them, unused
    // here but the loss): the gradients are where Adam's pass reads them.
    const out = await this.session.run(feeds, { ...this.grads, [STEP_IO.loss]: this.loss });
    const rate = (s.learningRate * Math.sqrt(1 - s.beta2 ** this.t)) / (1 - s.beta1 ** this.t);
    this.adam.step({ rate, beta1: s.beta1, beta2: s.beta2, epsilon: s.epsilon, l2: s.alpha / rows });
    return (out[STEP_IO.loss].data as Float32Array)[0];
  }

  /** A copy of the weights as they are now. */
  weights(): MlpWeights {
    const layers = this.units.length - 1;
    const read = (j: number) => Float32Array.from(this.adam.params[j]);
    return {
      units: this.units,
      coefs: Array.from({ length: layers }, (_, i) => read(i)),
      intercepts: Array.from({ length: layers }, (_, i) => read(layers + i)),
    };
  }

  /** Nothing to release: the session is shared (`releaseSessions`) and the memory is garbage-collected. */
  dispose(): void {}
}
