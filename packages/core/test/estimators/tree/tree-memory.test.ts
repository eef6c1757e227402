import { describe, expect, it } from 'vitest';
import { codesMemory, releaseCodesMemory, reserveSlots, slotLayout, WASM_MAX_BYTES } from '../../../src/estimators/tree/tree-memory.js';

describe('the forest memory', () => {
  it('refuses codes past wasm32 4 GiB, naming the size: 3,000,000 x 784 uint8 codes twice and 784 x 256 float64 values = 4,705,605,632 bytes', () => {
    expect(() => codesMemory(3_000_000, 784, 1, 784 * 256)).toThrow(RangeError);
    expect(() => codesMemory(3_000_000, 784, 1, 784 * 256)).toThrow(
      'RandomForestClassifier: the codes of 3000000 x 784 features (1 bytes each, twice) and their 200704 values take 4705605632 bytes of WebAssembly memory, more than its 4294967296 bytes (4 GiB)',
    );
    // 1,000,000 x 784 uint16 codes twice is 3,136,000,000 bytes: within the limit (not allocated here).
    expect(2 * 1_000_000 * 784 * 2).toBeLessThan(WASM_MAX_BYTES);
  });

  it('refuses slots that would pass 4 GiB, and grows the memory for slots that fit', () => {
    const { memory, slotsAt } = codesMemory(1000, 10, 1, 2560);
    const layout = slotLayout(1000, 10, 1, 256, 2);
    reserveSlots(memory, slotsAt, layout, 3);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(slotsAt + 3 * layout.bytes);
    const slots = Math.ceil(WASM_MAX_BYTES / layout.bytes);
    expect(() => reserveSlots(memory, slotsAt, layout, slots)).toThrow(`the codes and ${slots} trees' working arrays take`);
  });

  it('lays a slot out aligned, with room for every array', () => {
    // 500 rows x 30 features of 2-byte codes, 1000 codes, 3 classes.
    const layout = slotLayout(500, 30, 2, 1000, 3);
    const sizes = { samples: 2000, sy: 2000, sw: 2000, spare: 2000, spareY: 2000, spareW: 2000, block: 500 * 30 * 2, hist4: 16 * 3000, hist: 8 * 3000, counts: 4000, mark: 4000, present: 4000, total: 24, left: 24, bestLeft: 24, result: 16 };
    const names = Object.keys(sizes) as (keyof typeof sizes)[];
    names.forEach((name, i) => {
      expect(layout[name] % 16).toBe(0);
      expect((i + 1 < names.length ? layout[names[i + 1]] : layout.bytes) - layout[name]).toBeGreaterThanOrEqual(sizes[name]);
    });
  });

  it('hands the released memory to the next forest that fits in it, once, and a new one otherwise', () => {
    const a = codesMemory(2000, 100, 1, 0).memory;
    releaseCodesMemory(a);
    const b = codesMemory(1000, 100, 1, 0).memory;
    expect(b).toBe(a);
    // Taken: a concurrent forest gets its own.
    expect(codesMemory(1000, 100, 1, 0).memory).not.toBe(a);
    releaseCodesMemory(a);
    expect(codesMemory(3000, 100, 1, 0).memory).not.toBe(a);
  });
});
