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

  it('names an instruction it does not know, and the function', () => {
    expect(() => assembleModule([{ name: 'bad', params: [], results: [], locals: [], code: ['i64.const', 1] }])).toThrow(
      'wasm assembler: unknown instruction "i64.const" in bad',
    );
  });
});
