import { ElementType as E, type GraphSpec, type NodeSpec, type ValueSpec } from './onnx-graph.js';

/** Hidden-layer activations, with scikit-learn's names. */
export type MlpActivation = 'relu' | 'tanh' | 'logistic' | 'identity';

/**
 * Names of the training-step graph's inputs and outputs, shared with the code that feeds
 * it. Layer `i`'s parameters are `w{i}` (units[i] x units[i+1]) and `b{i}`; each parameter
 * `p` has Adam moments `m_p` and `v_p`, and comes back updated as `p_next`.
 */
export const STEP_IO = {
  x: 'x',
  y: 'y',
  /** `1 / batch rows`. */
  invRows: 'inv_rows',
  /** `alpha / batch rows`: the L2 term's gradient factor. */
  l2: 'l2',
  /** `0.5 * alpha / batch rows`: the L2 term's loss factor. */
  halfL2: 'half_l2',
  /** Adam's bias-corrected step size for this step. */
  rate: 'rate',
  beta1: 'beta1',
  oneMinusBeta1: 'one_minus_beta1',
  beta2: 'beta2',
  oneMinusBeta2: 'one_minus_beta2',
  epsilon: 'epsilon',
  loss: 'loss',
} as const;

/** The scalar inputs, in the order {@link STEP_IO} lists them. */
export const STEP_SCALARS = [STEP_IO.invRows, STEP_IO.l2, STEP_IO.halfL2, STEP_IO.rate, STEP_IO.beta1, STEP_IO.oneMinusBeta1, STEP_IO.beta2, STEP_IO.oneMinusBeta2, STEP_IO.epsilon] as const;

/** Parameter names in the order the graph (and `MlpWeights`) keeps them: every layer's kernel, then every bias. */
export function stepParameters(layers: number): string[] {
  return [...Array.from({ length: layers }, (_, i) => `w${i}`), ...Array.from({ length: layers }, (_, i) => `b${i}`)];
}

/** The moments and updated value of a parameter: graph names. */
export const moment = { m: (p: string) => `m_${p}`, v: (p: string) => `v_${p}`, next: (p: string) => `${p}_next` };

const ACTIVATION_OP = { relu: 'Relu', tanh: 'Tanh', logistic: 'Sigmoid', identity: 'Identity' } as const;

/**
 * One mini-batch step of scikit-learn's `_backprop` and `AdamOptimizer` as a single ONNX
 * graph, so that onnxruntime's GEMMs (MLAS, multithreaded) run the dense layers:
 * forward `a[i+1] = act(a[i] W[i] + b[i])`, the mean cross-entropy (softmax, or logistic for
 * one output) plus `0.5 * alpha * ||W||² / rows`, the gradients `a[i]ᵀ δ[i] + (alpha / rows) W[i]`
 * and `sum(δ[i])`, `δ[i-1] = δ[i] W[i]ᵀ * act'(a[i])` (none for the input layer, which has no
 * weights below it), and Adam's update of every parameter and moment. The arithmetic follows
 * TensorFlow.js's step in `mlp-adam.ts` operation for operation (float32; sums may differ in order).
 */
export function mlpStepGraph(units: number[], activation: MlpActivation): GraphSpec {
  const layers = units.length - 1;
  const nOut = units[layers];
  const f = (name: string, shape: (number | string)[]): ValueSpec => ({ name, type: E.float, shape });
  const nodes: NodeSpec[] = [];
  const node = (op: string, inputs: string[], output: string, attributes?: NodeSpec['attributes']) => {
    nodes.push({ op, inputs, outputs: [output], attributes });
    return output;
  };
  const shapes = new Map<string, number[]>();
  for (let i = 0; i < layers; i++) {
    shapes.set(`w${i}`, [units[i], units[i + 1]]);
    shapes.set(`b${i}`, [units[i + 1]]);
  }

  const acts = [STEP_IO.x as string];
  for (let i = 0; i < layers; i++) {
    const z = node('Gemm', [acts[i], `w${i}`, `b${i}`], `z${i}`);
    acts.push(i === layers - 1 ? z : node(ACTIVATION_OP[activation], [z], `a${i + 1}`));
  }
  const logits = acts[layers];

  // TensorFlow.js's softmaxCrossEntropy (mean over rows of -Σ y log softmax) and
  // sigmoidCrossEntropy (mean of max(x, 0) - x y + log(1 + e^-|x|)).
  let crossEntropy: string;
  let probabilities: string;
  if (nOut === 1) {
    const relu = node('Relu', [logits], 'ce_relu');
    const xy = node('Mul', [logits, STEP_IO.y], 'ce_xy');
    const softplus = node('Softplus', [node('Neg', [node('Abs', [logits], 'ce_abs')], 'ce_negabs')], 'ce_softplus');
    const perRow = node('Add', [node('Sub', [relu, xy], 'ce_diff'), softplus], 'ce_rows');
    crossEntropy = node('Mul', [node('ReduceSum', [perRow], 'ce_sum', { keepdims: 0 }), STEP_IO.invRows], 'ce');
    probabilities = node('Sigmoid', [logits], 'probabilities');
  } else {
    const logSoftmax = node('LogSoftmax', [logits], 'log_softmax', { axis: 1 });
    const sum = node('ReduceSum', [node('Mul', [STEP_IO.y, logSoftmax], 'ce_terms')], 'ce_sum', { keepdims: 0 });
    crossEntropy = node('Neg', [node('Mul', [sum, STEP_IO.invRows], 'ce_mean')], 'ce');
    probabilities = node('Softmax', [logits], 'probabilities', { axis: 1 });
  }
  const squares = Array.from({ length: layers }, (_, i) => node('ReduceSumSquare', [`w${i}`], `sq${i}`, { keepdims: 0 }));
  const squareSum = squares.length === 1 ? squares[0] : node('Sum', squares, 'sq');
  node('Add', [crossEntropy, node('Mul', [squareSum, STEP_IO.halfL2], 'l2_loss')], STEP_IO.loss);

  const grads = new Map<string, string>();
  let delta = node('Mul', [node('Sub', [probabilities, STEP_IO.y], 'residual'), STEP_IO.invRows], `delta${layers - 1}`);
  for (let i = layers - 1; i >= 0; i--) {
    const product = node('Gemm', [acts[i], delta], `dw${i}_product`, { transA: 1 });
    grads.set(`w${i}`, node('Add', [product, node('Mul', [`w${i}`, STEP_IO.l2], `dw${i}_l2`)], `dw${i}`));
    grads.set(`b${i}`, node('ReduceSum', [delta, 'axis0'], `db${i}`, { keepdims: 0 }));
    if (i === 0) break;
    const back = node('Gemm', [delta, `w${i}`], `back${i}`, { transB: 1 });
    delta = activation === 'identity' ? back : node('Mul', [back, derivative(node, activation, acts[i], i)], `delta${i - 1}`);
  }

  const parameters = stepParameters(layers);
  for (const p of parameters) {
    const g = grads.get(p)!;
    const m = node('Add', [node('Mul', [moment.m(p), STEP_IO.beta1], `${p}_m_decay`), node('Mul', [g, STEP_IO.oneMinusBeta1], `${p}_m_new`)], moment.next(moment.m(p)));
    const g2 = node('Mul', [g, g], `${p}_g2`);
    const v = node('Add', [node('Mul', [moment.v(p), STEP_IO.beta2], `${p}_v_decay`), node('Mul', [g2, STEP_IO.oneMinusBeta2], `${p}_v_new`)], moment.next(moment.v(p)));
    const denominator = node('Add', [node('Sqrt', [v], `${p}_sqrt_v`), STEP_IO.epsilon], `${p}_denominator`);
    const update = node('Mul', [STEP_IO.rate, node('Div', [m, denominator], `${p}_ratio`)], `${p}_update`);
    node('Sub', [p, update], moment.next(p));
  }

  const state = parameters.flatMap((p) => [p, moment.m(p), moment.v(p)]);
  return {
    name: `mlp_step_${units.join('_')}_${activation}`,
    inputs: [
      f(STEP_IO.x, ['rows', units[0]]),
      f(STEP_IO.y, ['rows', nOut]),
      ...STEP_SCALARS.map((name) => f(name, [])),
      ...state.map((name) => f(name, shapes.get(name.replace(/^[mv]_/, ''))!)),
    ],
    outputs: [f(STEP_IO.loss, []), ...state.map((name) => f(moment.next(name), shapes.get(name.replace(/^[mv]_/, ''))!))],
    nodes,
    // Only the constants some node reads: onnxruntime warns about the others.
    constants: [
      { name: 'axis0', type: E.int64, dims: [1], values: [0] },
      { name: 'zero', type: E.float, dims: [], values: [0] },
      { name: 'one', type: E.float, dims: [], values: [1] },
    ].filter((c) => nodes.some((n) => n.inputs.includes(c.name))),
  };
}

/** scikit-learn's `DERIVATIVES` in terms of the activation's output `a` (layer `i`). */
function derivative(node: (op: string, inputs: string[], output: string, attributes?: NodeSpec['attributes']) => string, activation: Exclude<MlpActivation, 'identity'>, a: string, i: number): string {
  switch (activation) {
    case 'relu':
      return node('Cast', [node('Greater', [a, 'zero'], `a${i}_positive`)], `a${i}_derivative`, { to: E.float });
    case 'tanh':
      return node('Sub', ['one', node('Mul', [a, a], `a${i}_squared`)], `a${i}_derivative`);
    case 'logistic':
      return node('Mul', [a, node('Sub', ['one', a], `a${i}_complement`)], `a${i}_derivative`);
  }
}
