import { describe, expect, it } from 'vitest';
import { assembleModule } from '../../src/estimators/wasm-assembler.js';

function instantiate(module: WebAssembly.Module, memory = new WebAssembly.Memory({ initial: 1 })) {
  return { memory, exports: new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, (...args: number[]) => number> };
}

describe('assembleModule', () => {
  it('encodes signed constants, f64 constants and several exported functions', () => {
    const consts = [-1, -64, -65, 63, 64, 2 ** 30, -(2 ** 31), 2 ** 31 - 1];
    const module = assembleModule([
      ...consts.map((c, i) => ({ name: `c${i}`, params: [], results: ['i32' as const], locals: [], code: ['i32.const', c] })),
      { name: 'tenth', params: [], results: ['f64'], locals: [], code: ['f64.const', 0.1] },
    ]);
    const { exports } = instantiate(module);
    expect(consts.map((_, i) => exports[`c${i}`]())).toEqual(consts);
    expect(exports.tenth()).toBe(0.1);
  });

  it('runs a loop over memory: the sum of n float64s, left to right', () => {
    // sum(n): locals 1 = byte address, 2 = accumulator
    const module = assembleModule([{
      name: 'sum', params: ['i32'], results: ['f64'], locals: ['i32', 'f64'],
      code: [
        'local.get', 0, 'i32.const', 3, 'i32.shl', 'local.set', 0,
        'block', 'local.get', 1, 'local.get', 0, 'i32.ge_u', 'br_if', 0,
        'loop',
        'local.get', 2, 'local.get', 1, 'f64.load', 3, 0, 'f64.add', 'local.set', 2,
        'local.get', 1, 'i32.const', 8, 'i32.add', 'local.tee', 1, 'local.get', 0, 'i32.lt_u', 'br_if', 0,
        'end', 'end',
        'local.get', 2,
      ],
    }]);
    const { memory, exports } = instantiate(module);
    const values = [1e16, 1, -1e16, 0.5, 3];
    new Float64Array(memory.buffer).set(values);
    expect(exports.sum(values.length)).toBe(values.reduce((a, b) => a + b, 0));
    expect(exports.sum(0)).toBe(0);
  });

  it('imports a shared memory when asked (and then refuses an unshared one), and shuffles and adds f64x2 lanes', () => {
    // pair(): the f64x2s a = (a0, a1) at byte 0 and b = (b0, b1) at byte 16, shuffled to (a0, b0) and
    // (a1, b1) and added lane by lane, stored at byte 32: (a0 + a1, b0 + b1), by hand (1 + 2, 10 + 20).
    const low = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
    const fns = [{
      name: 'pair', params: [], results: [], locals: ['v128'], code: [
        'i32.const', 0, 'v128.load', 3, 0, 'i32.const', 0, 'v128.load', 3, 16, 'i8x16.shuffle', ...low,
        'i32.const', 0, 'v128.load', 3, 0, 'i32.const', 0, 'v128.load', 3, 16, 'i8x16.shuffle', ...low.map((b) => b + 8),
        'f64x2.add', 'local.set', 0,
        'i32.const', 32, 'local.get', 0, 'f64x2.extract_lane', 0, 'f64.store', 3, 0,
        'i32.const', 40, 'local.get', 0, 'f64x2.extract_lane', 1, 'f64.store', 3, 0,
      ],
    }] as Parameters<typeof assembleModule>[0];
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    const { exports } = instantiate(assembleModule(fns, 1, 2), shared);
    new Float64Array(shared.buffer).set([1, 2, 10, 20]);
    exports.pair();
    expect(Array.from(new Float64Array(shared.buffer, 32, 2))).toEqual([3, 30]);
    expect(() => instantiate(assembleModule(fns, 1, 2), new WebAssembly.Memory({ initial: 1, maximum: 2 }))).toThrow(/shared/);
  });

  it('names an instruction it does not know, and the function', () => {
    expect(() => assembleModule([{ name: 'bad', params: [], results: [], locals: [], code: ['i64.const', 1] }])).toThrow(
      'wasm assembler: unknown instruction "i64.const" in bad',
    );
  });
});
