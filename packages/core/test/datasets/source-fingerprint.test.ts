import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetSpec } from '../../src/datasets/load.js';
import { fingerprintSource, openDataset } from '../../src/datasets/paths.js';
import { sourceFingerprint } from '../../src/datasets/source-fingerprint.js';

function dataDir(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gridfold-fp-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const csv: DatasetSpec = { source: 'csv', train: 'train.csv', label: 'label' };
const rows = 'a,b,label\n1,2,0\n3,4,1\n5,6,0\n';

describe('source fingerprint', () => {
  it('is sha256 over the spec without paths and the sha256 of each file, by field', () => {
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    // The value of digest({dataset, files}) written out by hand: sorted keys, no spaces.
    const canonical = `{"dataset":{"label":"label","source":"csv"},"files":{"train":${JSON.stringify(sha(rows))}}}`;
    expect(sourceFingerprint(csv, { train: sha(rows) })).toBe(sha(canonical));
  });

  it('is the same from the files at submission (streamed) and from the bytes a worker parses', async () => {
    const dir = dataDir({ 'train.csv': rows });
    const loaded = await openDataset(csv, { dataDir: dir });
    expect(await fingerprintSource(csv, { dataDir: dir })).toBe(loaded.sourceFingerprint);
  });

  it('follows the content, not the place: another data directory with the same bytes, another file name', async () => {
    const a = await fingerprintSource(csv, { dataDir: dataDir({ 'train.csv': rows }) });
    expect(await fingerprintSource(csv, { dataDir: dataDir({ 'train.csv': rows }) })).toBe(a);
    expect(await fingerprintSource({ ...csv, train: 'renamed.csv' }, { dataDir: dataDir({ 'renamed.csv': rows }) })).toBe(a);
  });

  it('changes with one byte of a file, the label column or the target', async () => {
    const dir = dataDir({ 'train.csv': rows, 'edited.csv': rows.replace('5,6', '5,7') });
    const a = await fingerprintSource(csv, { dataDir: dir });
    const others = [
      await fingerprintSource({ ...csv, train: 'edited.csv' }, { dataDir: dir }),
      await fingerprintSource({ ...csv, label: 'b' }, { dataDir: dir }),
      await fingerprintSource({ ...csv, target: { kind: 'binary', positive: 1 } }, { dataDir: dir }),
    ];
    expect(new Set([a, ...others]).size).toBe(4);
  });

  it('covers IDX files by field: swapping the train and test files changes it', async () => {
    const idx = (dims: number[], data: number[]) => Uint8Array.from([0, 0, 8, dims.length, ...dims.flatMap((d) => [0, 0, 0, d]), ...data]);
    const dir = dataDir({ 'a.idx': idx([2, 1], [1, 2]), 'b.idx': idx([2, 1], [3, 4]), 'l.idx': idx([2], [0, 1]) });
    const spec = (train: string, test: string): DatasetSpec => ({ source: 'idx', train_images: train, train_labels: 'l.idx', test_images: test, test_labels: 'l.idx' });
    const ab = await fingerprintSource(spec('a.idx', 'b.idx'), { dataDir: dir });
    expect((await openDataset(spec('a.idx', 'b.idx'), { dataDir: dir })).sourceFingerprint).toBe(ab);
    expect(await fingerprintSource(spec('b.idx', 'a.idx'), { dataDir: dir })).not.toBe(ab);
  });

  it('a process keeps its loaded copy until asked to read the files again (fresh)', async () => {
    const dir = dataDir({ 'train.csv': rows });
    const before = await openDataset(csv, { dataDir: dir });
    writeFileSync(join(dir, 'train.csv'), rows.replace('5,6', '5,7'));
    expect((await openDataset(csv, { dataDir: dir })).sourceFingerprint).toBe(before.sourceFingerprint);
    const fresh = await openDataset(csv, { dataDir: dir, fresh: true });
    expect(fresh.sourceFingerprint).toBe(await fingerprintSource(csv, { dataDir: dir }));
    expect(fresh.sourceFingerprint).not.toBe(before.sourceFingerprint);
    expect(fresh.train.X.get(2, 1)).toBe(7);
    // The fresh copy replaces the old one for later loads.
    expect((await openDataset(csv, { dataDir: dir })).sourceFingerprint).toBe(fresh.sourceFingerprint);
  });
});
