/**
 * Adam's update of an MLP's parameters in one WebAssembly SIMD pass, over float32 weights,
 * moments and gradients that live in one WebAssembly memory. As separate onnxruntime ops
 * the update was ~14 passes over the 235,200 weights of a 784-300-10 network, ~1.3 ms of a
 * ~2.5–3 ms step; a plain JavaScript loop was slower (float64 arithmetic). Each lane does
 * exactly the float32 operations, in the same order, that the onnxruntime graph did (IEEE 754,
 * nothing fused), so the weights are bit-identical to that graph's.
 */
import { assembleModule, type WasmCode, type WasmFunction, type WasmType } from './wasm-assembler.js';

/** The scalars of one Adam step; each is rounded to float32, as the graph's float32 inputs were. */
export interface AdamStepScalars {
  /** The bias-corrected step size `lr * sqrt(1 - beta2^t) / (1 - beta1^t)`. */
  rate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** `alpha / batch rows`: the L2 term's gradient factor, for kernels only. */
  l2: number;
}

/** Floats per region boundary: 16 floats (64 bytes) keeps each parameter on a cache line. */
const ALIGN = 16;

/**
 * Parameters (`params[j]`), their gradients (`grads[j]`, to be filled before each
 * {@link FusedAdam.step}) and Adam's two moments, all float32 in one WebAssembly memory that
 * never grows, so the views stay valid (onnxruntime reads and writes them in place). The
 * first `decayed` parameters (the kernels) get the L2 term `l2 * w` added to their gradient;
 * the rest (the biases) do not. The memory holds four blocks of `n` floats, weights first,
 * then m, v and the gradients, each parameter at the same offset in every block; a parameter's
 * tail up to the next 16 floats stays zero in all four, where Adam leaves zeros zero.
 */
export class FusedAdam {
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
  private readonly decayedBytes: number;
  private readonly totalBytes: number;
  private readonly kernels: { decayed: Function; plain: Function };

  /**
   * Zero moments; `init[j]` is parameter j's starting value (copied).
   * @throws RangeError when the four blocks would not fit in WebAssembly's 4 GiB.
   */
  constructor(init: Float32Array[], decayed: number) {
    const starts: number[] = [];
    let n = 0;
    for (const p of init) {
      starts.push(n);
      n += Math.ceil(p.length / ALIGN) * ALIGN;
    }
    if (16 * n >= 2 ** 32) throw new RangeError(`MLPClassifier: ${n} parameters (padded) need ${16 * n} bytes of weights, moments and gradients, more than WebAssembly's 4 GiB`);
    this.totalBytes = 4 * n;
    this.decayedBytes = 4 * (decayed < init.length ? starts[decayed] : n);
    const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((4 * this.totalBytes) / 65536)) });
    const view = (block: number, j: number) => new Float32Array(memory.buffer, block * this.totalBytes + 4 * starts[j], init[j].length);
    this.params = init.map((p, j) => view(0, j));
    this.params.forEach((p, j) => p.set(init[j]));
    this.grads = init.map((_, j) => view(3, j));
    const module = assembleModule([adamKernel('decayed', this.totalBytes, true), adamKernel('plain', this.totalBytes, false)]);
    const e = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, Function>;
    this.kernels = { decayed: e.decayed, plain: e.plain };
  }

  /** Updates every parameter and moment from the gradients in {@link grads}. */
  step({ rate, beta1, beta2, epsilon, l2 }: AdamStepScalars): void {
    // The same float64 expressions the graph was fed (rounded to float32 on the way in).
    const scalars = [l2, rate, beta1, 1 - beta1, beta2, 1 - beta2, epsilon];
    if (this.decayedBytes > 0) this.kernels.decayed(0, this.decayedBytes, ...scalars);
    if (this.totalBytes > this.decayedBytes) this.kernels.plain(this.decayedBytes, this.totalBytes, ...scalars);
  }
}

/**
 * `name(start, end, l2, rate, beta1, 1 - beta1, beta2, 1 - beta2, epsilon)` over the bytes
 * [start, end) of the weight block (end > start, both multiples of 16), four floats at a time;
 * m, v and the gradient sit `block`, 2 `block` and 3 `block` bytes further. Per float, as the
 * onnxruntime graph's nodes did it: g = grad + w * l2 (with `decay`), m = m * beta1 + g * (1 - beta1),
 * v = v * beta2 + (g * g) * (1 - beta2), w = w - rate * (m / (sqrt(v) + epsilon)).
 */
function adamKernel(name: string, block: number, decay: boolean): WasmFunction {
  const [START, END, L2, RATE, B1, OMB1, B2, OMB2, EPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  // Locals after the nine params: the seven scalars splatted to four lanes, then g, m, v and the offset.
  const lanes = (param: number) => param - L2 + 9;
  const [G, M, V, OFF] = [16, 17, 18, 19];
  const [mAt, vAt, gAt] = [block, 2 * block, 3 * block];
  const splat: WasmCode = [L2, RATE, B1, OMB1, B2, OMB2, EPS].flatMap((p) => ['local.get', p, 'f32x4.splat', 'local.set', lanes(p)]);
  const load = (at: number): WasmCode => ['local.get', OFF, 'v128.load', 4, at];
  const gradient: WasmCode = decay ? [...load(gAt), ...load(0), 'local.get', lanes(L2), 'f32x4.mul', 'f32x4.add'] : load(gAt);
  const body: WasmCode = [
    ...gradient, 'local.set', G,
    'local.get', OFF, ...load(mAt), 'local.get', lanes(B1), 'f32x4.mul', 'local.get', G, 'local.get', lanes(OMB1), 'f32x4.mul', 'f32x4.add', 'local.tee', M, 'v128.store', 4, mAt,
    'local.get', OFF, ...load(vAt), 'local.get', lanes(B2), 'f32x4.mul', 'local.get', G, 'local.get', G, 'f32x4.mul', 'local.get', lanes(OMB2), 'f32x4.mul', 'f32x4.add', 'local.tee', V, 'v128.store', 4, vAt,
    'local.get', OFF, ...load(0), 'local.get', lanes(RATE), 'local.get', M, 'local.get', V, 'f32x4.sqrt', 'local.get', lanes(EPS), 'f32x4.add', 'f32x4.div', 'f32x4.mul', 'f32x4.sub', 'v128.store', 4, 0,
  ];
  return {
    name,
    params: ['i32', 'i32', ...Array<WasmType>(7).fill('f32')],
    results: [],
    locals: [...Array<WasmType>(10).fill('v128'), 'i32'],
    code: [...splat, 'local.get', START, 'local.set', OFF, 'loop', ...body, 'local.get', OFF, 'i32.const', 16, 'i32.add', 'local.tee', OFF, 'local.get', END, 'i32.lt_u', 'br_if', 0, 'end'],
  };
}
