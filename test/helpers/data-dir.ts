import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist } from '@gridfold/core';

/** Writes the first `n` MNIST training images and labels as IDX files into a fresh data directory. */
export async function mnistIdxDir(n: number): Promise<{ dir: string; images: string; labels: string }> {
  const { train } = await loadMnist();
  const dir = mkdtempSync(join(tmpdir(), 'gridfold-data-'));
  const header = (dims: number[]) => {
    const h = Buffer.alloc(4 + 4 * dims.length);
    h.writeUInt8(8, 2);
    h.writeUInt8(dims.length, 3);
    dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
    return h;
  };
  writeFileSync(join(dir, 'images.idx'), Buffer.concat([header([n, 28, 28]), Buffer.from(train.X.data.subarray(0, n * 784))]));
  writeFileSync(join(dir, 'labels.idx'), Buffer.concat([header([n]), Buffer.from(Uint8Array.from(train.y.subarray(0, n)))]));
  return { dir, images: 'images.idx', labels: 'labels.idx' };
}
