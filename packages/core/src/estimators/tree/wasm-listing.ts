/**
 * Helpers for writing the tree kernels' WebAssembly listings (tree-kernels.ts): locals by
 * index, loops, and loading a sample's code for codes of 1, 2 or 4 bytes.
 */
import type { WasmCode } from '../wasm-assembler.js';

/** Bytes per code. */
export type Width = 1 | 2 | 4;


/** Pushes a local. */
export const get = (local: number): WasmCode => ['local.get', local];
/** The address `base + offset` (locals). */
export const at = (base: number, offset: number): WasmCode => ['local.get', base, 'local.get', offset, 'i32.add'];
/** `local += n` */
export const bump = (local: number, n: number): WasmCode => ['local.get', local, 'i32.const', n, 'i32.add', 'local.set', local];
/** `local *= 4`: a position to a byte offset. */
export const toBytes = (local: number): WasmCode => ['local.get', local, 'i32.const', 2, 'i32.shl', 'local.set', local];
/** A loop run while `a <u b` (locals), `body` inside (depth 0 = the loop, 1 = past it). */
export const whileBelow = (a: number, b: number, body: WasmCode): WasmCode => [
  'block', 'loop', 'local.get', a, 'local.get', b, 'i32.ge_u', 'br_if', 1, ...body, 'br', 0, 'end', 'end',
];

/** Pushes the code of the sample whose int32 is at `address + offset`, the feature's codes at local `codes`. */
export function codeOf(w: Width, codes: number, address: WasmCode, offset = 0): WasmCode {
  const shift: WasmCode = w === 1 ? [] : ['i32.const', w === 2 ? 1 : 2, 'i32.shl'];
  const load: WasmCode = w === 1 ? ['i32.load8_u', 0, 0] : w === 2 ? ['i32.load16_u', 1, 0] : ['i32.load', 2, 0];
  return [...address, 'i32.load', 2, offset, ...shift, 'local.get', codes, 'i32.add', ...load];
}
