/**
 * Just enough of the WebAssembly binary format to build a module from instruction
 * listings written in TypeScript: one imported memory (`env.memory`, optionally shared), exported functions
 * over i32, f32, f64 and v128, structured control flow, calls, loads, stores, arithmetic, bulk memory copy and fill (of SIMD only
 * 128-bit loads and stores, f32x4 and f64x2 arithmetic, lane extraction and the byte shuffle). It lets a hot loop run as
 * WebAssembly (no bounds checks, tight registers) without a compiler toolchain in the build. WebAssembly float arithmetic is IEEE 754 with no fused or reordered
 * operations, so a listing computes exactly what the same TypeScript expression would.
 */

/** A WebAssembly value type. */
export type WasmType = 'i32' | 'f32' | 'f64' | 'v128';

/** One instruction of a listing: a mnemonic as in the text format, then its immediates. */
export type WasmCode = (string | number)[];

/** A function of the module, exported under `name`. Locals are numbered after the params. */
export interface WasmFunction {
  name: string;
  params: WasmType[];
  results: WasmType[];
  locals: WasmType[];
  /** The body, without the final `end`. `block`, `loop` and `if` take no type (they yield nothing). */
  code: WasmCode;
}

const TYPE_CODE: Record<WasmType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

// Opcode bytes (SIMD ones are 0xfd then the LEB128 sub-opcode) and the kinds of its immediates:
// u = unsigned LEB128, s = signed LEB128, f = f64 bytes, b = one byte (a lane index).
const OPCODES: Record<string, [number | number[], ...('u' | 's' | 'f' | 'b')[]]> = {
  block: [0x02], loop: [0x03], if: [0x04], else: [0x05], end: [0x0b], br: [0x0c, 'u'], br_if: [0x0d, 'u'],
  'local.get': [0x20, 'u'], 'local.set': [0x21, 'u'], 'local.tee': [0x22, 'u'],
  // float32 SIMD (the MLP's fused Adam): a 128-bit store, a scalar to four lanes, lane-wise arithmetic.
  'v128.store': [[0xfd, 0x0b], 'u', 'u'], 'f32x4.splat': [[0xfd, 0x13]], 'f32x4.sqrt': [[0xfd, 0xe3, 0x01]],
  'f32x4.add': [[0xfd, 0xe4, 0x01]], 'f32x4.sub': [[0xfd, 0xe5, 0x01]], 'f32x4.mul': [[0xfd, 0xe6, 0x01]], 'f32x4.div': [[0xfd, 0xe7, 0x01]],
  'f64.load': [0x2b, 'u', 'u'], 'i32.load8_u': [0x2d, 'u', 'u'], 'i32.load16_u': [0x2f, 'u', 'u'], 'f64.store': [0x39, 'u', 'u'],
  'i32.const': [0x41, 's'], 'f64.const': [0x44, 'f'],
  'i32.lt_u': [0x49], 'i32.ge_u': [0x4f],
  'i32.add': [0x6a], 'i32.sub': [0x6b], 'i32.and': [0x71], 'i32.shl': [0x74], 'i32.shr_u': [0x76],
  'f64.add': [0xa0], 'f64.mul': [0xa2], 'f64.convert_i32_u': [0xb8],
  'v128.load': [[0xfd, 0x00], 'u', 'u'], 'f64x2.extract_lane': [[0xfd, 0x21], 'b'], 'f64x2.mul': [[0xfd, 0xf2, 0x01]],
  'f64x2.add': [[0xfd, 0xf0, 0x01]], 'i8x16.shuffle': [[0xfd, 0x0d], ...Array<'b'>(16).fill('b')],
  // Integer loads and stores, compares and bulk memory (the tree kernels').
  return: [0x0f], call: [0x10, 'u'], 'i32.load': [0x28, 'u', 'u'], 'i32.store': [0x36, 'u', 'u'], 'i32.store8': [0x3a, 'u', 'u'],
  'i32.eqz': [0x45], 'i32.eq': [0x46], 'i32.ne': [0x47], 'i32.gt_u': [0x4b], 'i32.le_u': [0x4d],
  'i32.mul': [0x6c], 'i32.or': [0x72], 'i32.xor': [0x73], 'f64.convert_i32_s': [0xb7],
  'memory.copy': [[0xfc, 0x0a], 'b', 'b'], 'memory.fill': [[0xfc, 0x0b], 'b'], 'i32.lt_s': [0x48],
  'f64.gt': [0x64], 'f64.le': [0x65], 'f64.neg': [0x9a], 'f64.sub': [0xa1], 'f64.div': [0xa3],
  // float64 SIMD lane-wise compares, selects and arithmetic (SGD's L1 penalty); min and max are IEEE 754-2019's, as Math.min and Math.max.
  'f64x2.splat': [[0xfd, 0x14]], 'f64x2.lt': [[0xfd, 0x49]], 'f64x2.gt': [[0xfd, 0x4a]], 'v128.bitselect': [[0xfd, 0x52]],
  'f64x2.sub': [[0xfd, 0xf1, 0x01]], 'f64x2.div': [[0xfd, 0xf3, 0x01]], 'f64x2.min': [[0xfd, 0xf4, 0x01]], 'f64x2.max': [[0xfd, 0xf5, 0x01]],
};

/**
 * Compiles `functions` into a module that imports its memory as `env.memory` (at least
 * `minPages` pages of 64 KiB) and exports each function by name. With `sharedMaxPages` the
 * memory imported is a shared one of at most that many pages (threads running the module
 * on one memory need that; an unshared memory is refused then, and the other way round).
 * @throws Error naming an instruction the assembler does not know.
 */
export function assembleModule(functions: WasmFunction[], minPages = 1, sharedMaxPages?: number): WebAssembly.Module {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((t) => [TYPE_CODE[t]])), ...vector(f.results.map((t) => [TYPE_CODE[t]]))]);
  const bodies = functions.map((f) => {
    const body = [...vector(f.locals.map((t) => [1, TYPE_CODE[t]])), ...encodeCode(f.name, f.code), 0x0b];
    return [...unsigned(body.length), ...body];
  });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector([[...utf8('env'), ...utf8('memory'), 0x02, ...(sharedMaxPages === undefined ? [0x00, ...unsigned(minPages)] : [0x03, ...unsigned(minPages), ...unsigned(sharedMaxPages)])]])),
    ...section(3, vector(functions.map((_, i) => unsigned(i)))),
    ...section(7, vector(functions.map((f, i) => [...utf8(f.name), 0x00, ...unsigned(i)]))),
    ...section(10, vector(bodies)),
  ];
  return new WebAssembly.Module(new Uint8Array(bytes));
}

function encodeCode(fn: string, code: WasmCode): number[] {
  const out: number[] = [];
  for (let at = 0; at < code.length; ) {
    const mnemonic = code[at++];
    const op = OPCODES[mnemonic as string];
    if (!op) throw new Error(`wasm assembler: unknown instruction ${JSON.stringify(mnemonic)} in ${fn}`);
    out.push(...(typeof op[0] === 'number' ? [op[0]] : op[0]));
    if (mnemonic === 'block' || mnemonic === 'loop' || mnemonic === 'if') out.push(0x40);
    for (const kind of op.slice(1)) {
      const value = code[at++] as number;
      if (kind === 'u') out.push(...unsigned(value));
      else if (kind === 's') out.push(...signed(value));
      else if (kind === 'b') out.push(value);
      else out.push(...new Uint8Array(new Float64Array([value]).buffer));
    }
  }
  return out;
}

function unsigned(n: number): number[] {
  const out: number[] = [];
  do {
    const low = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? low : low | 0x80);
  } while (n !== 0);
  return out;
}

function signed(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const low = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (low & 0x40) === 0) || (n === -1 && (low & 0x40) !== 0);
    out.push(done ? low : low | 0x80);
    if (done) return out;
  }
}

function vector(items: number[][]): number[] {
  return [...unsigned(items.length), ...items.flat()];
}

function utf8(s: string): number[] {
  return vector([...new TextEncoder().encode(s)].map((b) => [b]));
}

function section(id: number, body: number[]): number[] {
  return [id, ...unsigned(body.length), ...body];
}
