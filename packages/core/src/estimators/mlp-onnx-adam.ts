import { mlpStepGraph, moment, STEP_IO, STEP_SCALARS, stepParameters } from '../kernels/mlp-graphs.js';
import { cachedSession, ort } from '../kernels/session.js';
import type { MlpWeights, TrainSettings } from './mlp-network.js';

type State = Record<string, ort.Tensor>;

/**
 * The training step of `mlp-adam.ts` run by onnxruntime: one session run per mini-batch
 * does the forward pass, backpropagation and Adam's update (`mlpStepGraph`), so the dense
 * layers' GEMMs run in MLAS on the kernel settings' threads instead of TensorFlow.js's WASM
 * backend (single-threaded in Node). Parameters and moments live in two sets of buffers:
 * each step reads one set and writes the other in place (onnxruntime fills preallocated
 * outputs), so nothing is allocated or copied per step but the batch itself.
 */
export class OnnxAdam {
  private t = 0;
  private readonly names: string[];

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly units: number[],
    private readonly s: TrainSettings,
    private current: State,
    private spare: State,
  ) {
    this.names = Object.keys(current);
  }

  /** An optimiser starting from `init` with zero moments; the session is built once per architecture and thread count. */
  static async create(init: MlpWeights, s: TrainSettings): Promise<OnnxAdam> {
    const { units } = init;
    // Without spinning: a step is ~40 short operators, and on a shared machine (workers side by
    // side, other jobs) a spinning thread starves its partner (bench/RESULTS.md, "MLP epoch").
    const session = await cachedSession(`mlp_step_${units.join('_')}_${s.activation}`, () => mlpStepGraph(units, s.activation), { spinning: false });
    const layers = units.length - 1;
    const values = [...init.coefs, ...init.intercepts];
    const dims = (j: number) => (j < layers ? [units[j], units[j + 1]] : [units[j - layers + 1]]);
    const state = (fill: (j: number) => Float32Array): State =>
      Object.fromEntries(
        stepParameters(layers).flatMap((p, j) => [
          [p, new ort.Tensor('float32', fill(j), dims(j))],
          [moment.m(p), new ort.Tensor('float32', new Float32Array(values[j].length), dims(j))],
          [moment.v(p), new ort.Tensor('float32', new Float32Array(values[j].length), dims(j))],
        ]),
      );
    return new OnnxAdam(session, units, s, state((j) => Float32Array.from(values[j])), state((j) => new Float32Array(values[j].length)));
  }

  /**
   * Updates the weights on one batch and returns its loss (before the update): `X` holds
   * `rows` rows of features, `Y` their targets (one-hot, or 0/1 for one output). The
   * buffers are read before the returned promise settles and may be reused after.
   */
  async step(X: Float32Array, Y: Float32Array, rows: number): Promise<number> {
    const { s, units } = this;
    this.t++;
    const rate = (s.learningRate * Math.sqrt(1 - s.beta2 ** this.t)) / (1 - s.beta1 ** this.t);
    // The same float64 expressions the TensorFlow.js step passes as scalars.
    const scalars = [1 / rows, s.alpha / rows, (0.5 * s.alpha) / rows, rate, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.epsilon];
    const feeds: State = {
      ...this.current,
      [STEP_IO.x]: new ort.Tensor('float32', X, [rows, units[0]]),
      [STEP_IO.y]: new ort.Tensor('float32', Y, [rows, units[units.length - 1]]),
    };
    STEP_SCALARS.forEach((name, i) => (feeds[name] = new ort.Tensor('float32', Float32Array.of(scalars[i]), [])));
    const fetches: Record<string, ort.Tensor | null> = { [STEP_IO.loss]: null };
    for (const name of this.names) fetches[moment.next(name)] = this.spare[name];
    const out = await this.session.run(feeds, fetches);
    // The outputs are the spare buffers (filled in place); taking them from `out` stays right
    // even where onnxruntime would hand back new ones.
    const next: State = {};
    for (const name of this.names) next[name] = out[moment.next(name)];
    [this.current, this.spare] = [next, this.current];
    return (out[STEP_IO.loss].data as Float32Array)[0];
  }

  /** A copy of the weights as they are now. */
  weights(): MlpWeights {
    const layers = this.units.length - 1;
    const read = (name: string) => Float32Array.from(this.current[name].data as Float32Array);
    return {
      units: this.units,
      coefs: Array.from({ length: layers }, (_, i) => read(`w${i}`)),
      intercepts: Array.from({ length: layers }, (_, i) => read(`b${i}`)),
    };
  }

  /** Nothing to release: the session is shared (`releaseSessions`) and the buffers are plain arrays. */
  dispose(): void {}
}
