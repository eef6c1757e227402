import { afterAll, describe, expect, it } from 'vitest';
import { FusedAdam, type AdamStepScalars } from '../../src/estimators/mlp-fused-adam.js';
import { initialWeights, type MlpActivation, type MlpWeights, type TrainSettings } from '../../src/estimators/mlp-network.js';
import { OnnxAdam } from '../../src/estimators/mlp-onnx-adam.js';
import { gradientOf, mlpGradientGraph, STEP_IO, stepParameters } from '../../src/kernels/mlp-graphs.js';
import { ElementType, type GraphSpec, type NodeSpec } from '../../src/kernels/onnx-graph.js';
import { cachedSession, ort, releaseSessions } from '../../src/kernels/session.js';
import { RandomState } from '../../src/random/numpy-random-state.js';

/**
 * The fused Adam pass must leave every weight bit-identical to the step it replaced, where
 * onnxruntime ran Adam as separate float32 ops in the same graph as the gradients. Checked
 * twice: the pass against a float32 (Math.fround) transcription of those ops, and the whole
 * step (`OnnxAdam`) against that one-graph step, rebuilt here by appending its Adam nodes to
 * the gradient graph. All data are uniform draws from RandomState seeds named below.
 */

/** How many of the floats differ in any bit (an expect over 235,200 floats would print them all). */
function differing(a: Float32Array, b: Float32Array): number {
  const [x, y] = [new Uint32Array(a.buffer, a.byteOffset, a.length), new Uint32Array(b.buffer, b.byteOffset, b.length)];
  let n = Math.abs(x.length - y.length);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) n++;
  return n;
}

/** The graph's Adam ops, one float32 rounding per node, in the graph's order. */
function referenceStep(w: Float32Array, m: Float32Array, v: Float32Array, grad: Float32Array, decay: boolean, s: AdamStepScalars): void {
  const f = Math.fround;
  const [l2, rate, b1, omb1, b2, omb2, eps] = [s.l2, s.rate, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.epsilon].map(f);
  for (let i = 0; i < w.length; i++) {
    const g = decay ? f(grad[i] + f(w[i] * l2)) : grad[i];
    m[i] = f(f(m[i] * b1) + f(g * omb1));
    v[i] = f(f(v[i] * b2) + f(f(g * g) * omb2));
    w[i] = f(w[i] - f(rate * f(m[i] / f(f(Math.sqrt(v[i])) + eps))));
  }
}

describe('fused Adam pass', () => {
  it('computes the float32 Adam ops bit for bit, kernels with the L2 term and biases without', () => {
    // Lengths that are and are not multiples of the 4 lanes and the 16-float alignment.
    const lengths = [60, 23, 3, 1];
    const decayed = 2;
    const rng = new RandomState(7);
    const uniform = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * (2 * rng.randomSample() - 1));
    const init = lengths.map((n) => uniform(n, 1));
    const adam = new FusedAdam(init, decayed);
    const ref = { w: init.map((p) => Float32Array.from(p)), m: lengths.map((n) => new Float32Array(n)), v: lengths.map((n) => new Float32Array(n)) };
    for (let t = 1; t <= 30; t++) {
      // Gradients of very different sizes (down to float32's subnormals), some exactly zero.
      const scale = [1, 1e-3, 1e-20, 1e-41][t % 4];
      const grads = lengths.map((n) => uniform(n, scale).map((g, i) => ((i + t) % 5 === 0 ? 0 : g)));
      const s: AdamStepScalars = { rate: (1e-3 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t), beta1: 0.9, beta2: 0.999, epsilon: 1e-8, l2: 1e-4 / (t % 3 === 0 ? 22 : 32) };
      grads.forEach((g, j) => {
        adam.grads[j].set(g);
        referenceStep(ref.w[j], ref.m[j], ref.v[j], g, j < decayed, s);
      });
      adam.step(s);
    }
    adam.params.forEach((p, j) => expect(differing(p, ref.w[j])).toBe(0));
  });

  it('refuses a network whose weights, moments and gradients exceed 4 GiB, naming the size', () => {
    // Only the length is read before the check: nothing of 1 GiB is allocated.
    const huge = { length: 2 ** 28 } as Float32Array;
    expect(() => new FusedAdam([huge], 1)).toThrow('MLPClassifier: 268435456 parameters (padded) need 4294967296 bytes');
  });
});

/** The one-graph step the fused pass replaced: the gradient graph plus the L2 and Adam nodes it had. */
function oneGraphStep(units: number[], activation: MlpActivation): GraphSpec {
  const spec = mlpGradientGraph(units, activation);
  const layers = units.length - 1;
  const nodes: NodeSpec[] = [...spec.nodes];
  const node = (op: string, inputs: string[], output: string) => (nodes.push({ op, inputs, outputs: [output] }), output);
  const shapeOf = new Map(spec.inputs.map((i) => [i.name, i.shape]));
  const float = (name: string, shape: (number | string)[]) => ({ name, type: ElementType.float, shape });
  const state: string[] = [];
  for (const p of stepParameters(layers)) {
    const g = p.startsWith('w') ? node('Add', [gradientOf(p), node('Mul', [p, 'l2'], `${p}_l2`)], `${p}_g`) : gradientOf(p);
    const m = node('Add', [node('Mul', [`m_${p}`, 'beta1'], `${p}_m_decay`), node('Mul', [g, 'one_minus_beta1'], `${p}_m_new`)], `m_${p}_next`);
    const g2 = node('Mul', [g, g], `${p}_g2`);
    const v = node('Add', [node('Mul', [`v_${p}`, 'beta2'], `${p}_v_decay`), node('Mul', [g2, 'one_minus_beta2'], `${p}_v_new`)], `v_${p}_next`);
    const denominator = node('Add', [node('Sqrt', [v], `${p}_sqrt_v`), 'epsilon'], `${p}_denominator`);
    node('Sub', [p, node('Mul', ['rate', node('Div', [m, denominator], `${p}_ratio`)], `${p}_update`)], `${p}_next`);
    state.push(p, `m_${p}`, `v_${p}`);
  }
  const shape = (name: string) => shapeOf.get(name.replace(/^[mv]_/, ''))!;
  return {
    ...spec,
    name: `reference_${spec.name}`,
    inputs: [...spec.inputs.filter((i) => !stepParameters(layers).includes(i.name)), ...['l2', 'rate', 'beta1', 'one_minus_beta1', 'beta2', 'one_minus_beta2', 'epsilon'].map((n) => float(n, [])), ...state.map((n) => float(n, shape(n)))],
    outputs: [float(STEP_IO.loss, []), ...state.map((n) => float(`${n}_next`, shape(n)))],
    nodes,
  };
}

const settings = (activation: MlpActivation): TrainSettings => ({
  activation, alpha: 0.01, batchSize: 32, learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
  maxIter: 1, shuffle: false, tol: 0, nIterNoChange: 10, verbose: false, rng: new RandomState(0),
});

/** Runs `steps` batches (of `rows`, every third `rows - 10`) through both steps and returns both weights and losses. */
async function stepBoth(units: number[], activation: MlpActivation, steps: number, rows: number) {
  const s = settings(activation);
  const init = initialWeights(units, activation, new RandomState(0));
  const layers = units.length - 1;
  const [nIn, nOut] = [units[0], units[layers]];
  const data = new RandomState(3);
  const batches = Array.from({ length: steps }, (_, t) => {
    const n = t % 3 === 2 ? rows - 10 : rows;
    const X = Float32Array.from({ length: n * nIn }, () => 2 * data.randomSample() - 1);
    const Y = new Float32Array(n * nOut);
    for (let i = 0; i < n; i++) {
      if (nOut === 1) Y[i] = i % 2;
      else Y[i * nOut + (i % nOut)] = 1;
    }
    return { X, Y, n };
  });

  const fused = await OnnxAdam.create(init, s);
  const fusedLosses: number[] = [];
  for (const { X, Y, n } of batches) fusedLosses.push(await fused.step(X, Y, n));

  const session = await cachedSession(`reference_${units.join('_')}_${activation}`, () => oneGraphStep(units, activation), { spinning: false });
  const dims = (p: string) => (p.startsWith('w') ? [units[+p.slice(1)], units[+p.slice(1) + 1]] : [units[+p.slice(1) + 1]]);
  const values = [...init.coefs, ...init.intercepts];
  let state: Record<string, ort.Tensor> = {};
  stepParameters(layers).forEach((p, j) => {
    state[p] = new ort.Tensor('float32', Float32Array.from(values[j]), dims(p));
    state[`m_${p}`] = new ort.Tensor('float32', new Float32Array(values[j].length), dims(p));
    state[`v_${p}`] = new ort.Tensor('float32', new Float32Array(values[j].length), dims(p));
  });
  const oneGraphLosses: number[] = [];
  for (const [t, { X, Y, n }] of batches.entries()) {
    const rate = (s.learningRate * Math.sqrt(1 - s.beta2 ** (t + 1))) / (1 - s.beta1 ** (t + 1));
    const scalars = { inv_rows: 1 / n, half_l2: (0.5 * s.alpha) / n, l2: s.alpha / n, rate, beta1: s.beta1, one_minus_beta1: 1 - s.beta1, beta2: s.beta2, one_minus_beta2: 1 - s.beta2, epsilon: s.epsilon };
    const feeds: Record<string, ort.Tensor> = { ...state, x: new ort.Tensor('float32', X, [n, nIn]), y: new ort.Tensor('float32', Y, [n, nOut]) };
    for (const [name, value] of Object.entries(scalars)) feeds[name] = new ort.Tensor('float32', Float32Array.of(value), []);
    const out = await session.run(feeds);
    oneGraphLosses.push((out[STEP_IO.loss].data as Float32Array)[0]);
    state = Object.fromEntries(Object.keys(state).map((name) => [name, out[`${name}_next`]]));
  }
  const read = (p: string) => state[p].data as Float32Array;
  const oneGraph: MlpWeights = { units, coefs: Array.from({ length: layers }, (_, i) => read(`w${i}`)), intercepts: Array.from({ length: layers }, (_, i) => read(`b${i}`)) };
  return { fused: { weights: fused.weights(), losses: fusedLosses }, oneGraph: { weights: oneGraph, losses: oneGraphLosses } };
}

describe('MLP step with the fused Adam pass', () => {
  afterAll(() => releaseSessions());
  for (const [units, activation, steps, rows] of [
    [[20, 16, 8, 3], 'relu', 15, 32],
    [[20, 16, 8, 3], 'tanh', 15, 32],
    [[20, 12, 1], 'logistic', 15, 32],
    [[20, 16, 3], 'identity', 15, 32],
    // The benchmark's network (MNIST, 300 hidden, batches of 200): the GEMMs' large-matrix paths.
    [[784, 300, 10], 'relu', 6, 200],
  ] as const) {
    it(`gives the one-graph step's weights and losses bit for bit (${units.join('-')}, ${activation})`, async () => {
      const { fused, oneGraph } = await stepBoth([...units], activation, steps, rows);
      for (const key of ['coefs', 'intercepts'] as const) fused.weights[key].forEach((w, i) => expect(differing(w, oneGraph.weights[key][i])).toBe(0));
      expect(fused.losses).toEqual(oneGraph.losses);
    });
  }
});
