import { ElementType as E, type GraphSpec, type NodeSpec, type ValueSpec } from './onnx-graph.js';

/** Hidden-layer activations, with scikit-learn's names. */
export type MlpActivation = 'relu' | 'tanh' | 'logistic' | 'identity';

/**
 * Names of the gradient graph's inputs and outputs, shared with the code that feeds it.
 * Layer `i`'s parameters are `w{i}` (units[i] x units[i+1]) and `b{i}`; each parameter `p`
 * comes back as the gradient `p_grad` (for a kernel, without the L2 term: see {@link mlpGradientGraph}).
 */
export const STEP_IO = {
  x: 'x',
  y: 'y',
  /** `1 / batch rows`. */
  invRows: 'inv_rows',
  /** `0.5 * alpha / batch rows`: the L2 term's loss factor. */
  halfL2: 'half_l2',
  loss: 'loss',
} as const;

/** The scalar inputs, in the order {@link STEP_IO} lists them. */
export const STEP_SCALARS = [STEP_IO.invRows, STEP_IO.halfL2] as const;

/** Parameter names in the order the graph (and `MlpWeights`) keeps them: every layer's kernel, then every bias. */
export function stepParameters(layers: number): string[] {
  return [...Array.from({ length: layers }, (_, i) => `w${i}`), ...Array.from({ length: layers }, (_, i) => `b${i}`)];
}

/** The graph output holding a parameter's gradient. */
export const gradientOf = (p: string): string => `${p}_grad`;

const ACTIVATION_OP = { relu: 'Relu', tanh: 'Tanh', logistic: 'Sigmoid', identity: 'Identity' } as const;

/**
 * The gradients of one mini-batch step of scikit-learn's `_backprop` as a single ONNX graph,
 * so that onnxruntime's GEMMs (MLAS, multithreaded) run the dense layers: forward
 * `a[i+1] = act(a[i] W[i] + b[i])`, the mean cross-entropy (softmax, or logistic for one
 * output) plus `0.5 * alpha * ||W||² / rows`, the products `a[i]ᵀ δ[i]` and sums `sum(δ[i])`,
 * `δ[i-1] = δ[i] W[i]ᵀ * act'(a[i])` (none for the input layer, which has no weights below it).
 * A kernel's gradient lacks its L2 term `(alpha / rows) W[i]`: Adam's pass adds it as it reads
 * the weights (`mlp-fused-adam.ts`), which saves two passes over them here. The arithmetic
 * follows TensorFlow.js's step in `mlp-adam.ts` operation for operation (float32; sums may
 * differ in order).
 */
export function mlpGradientGraph(units: number[], activation: MlpActivation): GraphSpec {
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

  let delta = node('Mul', [node('Sub', [probabilities, STEP_IO.y], 'residual'), STEP_IO.invRows], `delta${layers - 1}`);
  for (let i = layers - 1; i >= 0; i--) {
    node('Gemm', [acts[i], delta], gradientOf(`w${i}`), { transA: 1 });
    node('ReduceSum', [delta, 'axis0'], gradientOf(`b${i}`), { keepdims: 0 });
    if (i === 0) break;
    const back = node('Gemm', [delta, `w${i}`], `back${i}`, { transB: 1 });
    delta = activation === 'identity' ? back : node('Mul', [back, derivative(node, activation, acts[i], i)], `delta${i - 1}`);
  }

  const parameters = stepParameters(layers);
  return {
    name: `mlp_gradient_${units.join('_')}_${activation}`,
    inputs: [
      f(STEP_IO.x, ['rows', units[0]]),
      f(STEP_IO.y, ['rows', nOut]),
      ...STEP_SCALARS.map((name) => f(name, [])),
      ...parameters.map((p) => f(p, shapes.get(p)!)),
    ],
    outputs: [f(STEP_IO.loss, []), ...parameters.map((p) => f(gradientOf(p), shapes.get(p)!))],
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
