import { describe, expect, it } from 'vitest';
import { decodeOof, encodeOof } from '../../src/evaluate/oof-codec.js';
import type { OofOutputs } from '../../src/evaluate/task-result.js';

// Inputs are hand-written edge cases; sizes are computed by hand from the layout in
// oof-codec.ts (8-byte mark and length, the JSON header, each part padded to 8 bytes).

/** Every value equal bit for bit (Object.is tells -0 from 0), not merely ==. */
function expectIdentical(actual: OofOutputs, expected: OofOutputs): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).filter((k) => expected[k as keyof OofOutputs] !== undefined).sort());
  for (const [key, field] of Object.entries(expected)) {
    const got = (actual as unknown as Record<string, unknown[]>)[key];
    (field as unknown[]).forEach((v, i) => {
      if (Array.isArray(v)) v.forEach((x, j) => expect(Object.is((got[i] as number[])[j], x), `${key}[${i}][${j}]: ${(got[i] as number[])[j]} vs ${x}`).toBe(true));
      else expect(Object.is(got[i], v), `${key}[${i}]: ${got[i]} vs ${v}`).toBe(true);
    });
    expect(got).toHaveLength((field as unknown[]).length);
  }
}

function headerBytes(oof: OofOutputs): number {
  const bytes = encodeOof(oof);
  return new DataView(bytes.buffer).getUint32(4, true);
}

describe('encodeOof / decodeOof', () => {
  it('gives back every double bit for bit: -0, NaN, infinities, subnormals, the largest and the odd last bits', () => {
    const oof: OofOutputs = {
      indices: [0, 5, 70000, 3],
      predict: [1, 0, -1, 7],
      decision_function: [[-0], [Number.NaN], [Number.POSITIVE_INFINITY], [5e-324]],
      predict_proba: [[0.1, 0.9], [1 / 3, 2 / 3], [Number.MAX_VALUE, -Number.MAX_VALUE], [3370.019499143957, 0.30000000000000004]],
    };
    expectIdentical(decodeOof(encodeOof(oof)), oof);
  });

  it('keeps multilabel predictions as rows, and leaves out outputs that were not asked for', () => {
    const oof: OofOutputs = { indices: [2, 1], predict: [[1, 0], [0, 1]] };
    const back = decodeOof(encodeOof(oof));
    expect(back).toEqual(oof);
    expect('decision_function' in back).toBe(false);
  });

  it('stores labels and row indices in 1-2 bytes and float32-exact scores in 4: 20,000 rows of the 5-detector', () => {
    const rows = 20_000;
    const oof: OofOutputs = {
      indices: Array.from({ length: rows }, (_, i) => i * 3),
      predict: Array.from({ length: rows }, (_, i) => i % 2),
      decision_function: Array.from({ length: rows }, (_, i) => [i - 0.5]),
    };
    const bytes = encodeOof(oof);
    const start = Math.ceil((8 + headerBytes(oof)) / 8) * 8;
    // uint16 indices (max 59,997), uint8 labels, float32 scores (i - 0.5 is exact in float32 below 2^23).
    expect(bytes.length).toBe(start + rows * 2 + rows * 1 + rows * 4);
    expectIdentical(decodeOof(bytes), oof);
  });

  it('falls back to float64 for a score that float32 would round', () => {
    const oof: OofOutputs = { indices: [0], decision_function: [[0.1]] };
    const bytes = encodeOof(oof);
    expect(bytes.length).toBe(Math.ceil((8 + headerBytes(oof)) / 8) * 8 + 8 + 8);
    expect(decodeOof(bytes).decision_function![0][0]).toBe(0.1);
  });

  it('decodes bytes that sit at an odd offset of a larger buffer, as Redis replies do', () => {
    const oof: OofOutputs = { indices: [1, 2, 3], decision_function: [[0.1], [0.2], [-0.3]] };
    const bytes = encodeOof(oof);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expectIdentical(decodeOof(shifted.subarray(3)), oof);
    // A Node Buffer's slice is a view into a shared pool, not a copy.
    expectIdentical(decodeOof(Buffer.concat([Buffer.from('abc'), bytes]).subarray(3)), oof);
  });

  it('refuses rows of different lengths, and bytes that are not an encoding', () => {
    expect(() => encodeOof({ indices: [0, 1], predict_proba: [[0.5, 0.5], [1]] })).toThrow(new RangeError('out-of-fold predict_proba: element 1 is not an array of 2 numbers like element 0'));
    expect(() => decodeOof(new TextEncoder().encode('{"indices":[1]}'))).toThrow(new RangeError('not encoded out-of-fold outputs (15 bytes without the GFO1 mark)'));
  });
});
