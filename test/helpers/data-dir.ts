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

/**
 * Writes MNIST training rows `offset`..`offset + n - 1` as a CSV file: every other pixel of every
 * other line (14 x 14 features, p0..p195) and a `label` column. Different offsets give different
 * data of the same shape, for tests that change a dataset under an experiment.
 */
export async function writeMnistCsv(path: string, offset: number, n: number): Promise<void> {
  const { train } = await loadMnist();
  const pixels = Array.from({ length: 196 }, (_, j) => 2 * 28 * Math.floor(j / 14) + 2 * (j % 14));
  const lines = [[...pixels.map((_, j) => `p${j}`), 'label'].join(',')];
  for (let i = offset; i < offset + n; i++) lines.push([...pixels.map((p) => train.X.data[i * 784 + p]), train.y[i]].join(','));
  writeFileSync(path, `${lines.join('\n')}\n`);
}
