import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, loadedDatasets, MAX_LOADED_DATASETS } from '../../src/datasets/load.js';

const dir = mkdtempSync(join(tmpdir(), 'gridfold-load-'));
let files = 0;
function file(text: string): string {
  const f = join(dir, `${files++}.csv`);
  writeFileSync(f, text);
  return f;
}

// Hand-made files; the expected codes follow LabelEncoder's sorted order (cat 0, dog 1).
describe('loadDataset on CSV class names', () => {
  it('carries the class names of a multiclass target and reads the test file against them', async () => {
    const train = file('x,animal\n1,dog\n2,cat\n3,dog\n');
    const test = file('x,animal\n4,cat\n5,dog\n');
    const d = await loadDataset({ source: 'csv', train, test, label: 'animal' });
    expect(d.classes).toEqual(['cat', 'dog']);
    expect(Array.from(d.train.y as Int32Array)).toEqual([1, 0, 1]);
    expect(Array.from(d.test!.y as Int32Array)).toEqual([0, 1]);
  });

  it('refuses a test label the training file lacks, naming the test file, row and label', async () => {
    const train = file('x,animal\n1,dog\n2,cat\n');
    const test = file('x,animal\n4,cat\n5,bird\n');
    await expect(loadDataset({ source: 'csv', train, test, label: 'animal' })).rejects.toThrow(
      `${test}: row 3, column "animal": label "bird" is not a class of the training file ${train} (its classes: "cat", "dog")`,
    );
  });

  it('takes a class name as the positive class of a binary target', async () => {
    const train = file('x,animal\n1,dog\n2,cat\n3,dog\n');
    const d = await loadDataset({ source: 'csv', train, label: 'animal', target: { kind: 'binary', positive: 'cat' } });
    expect(Array.from(d.train.y as Int32Array)).toEqual([0, 1, 0]);
    // A binary target's classes are 0 and 1, whatever the labels were.
    expect(d.classes).toBeUndefined();
  });

  it('refuses a positive class that is not a class, a number for names and a name for integers', async () => {
    const names = file('x,animal\n1,dog\n2,cat\n');
    const numbers = file('x,digit\n1,5\n2,3\n');
    await expect(loadDataset({ source: 'csv', train: names, label: 'animal', target: { kind: 'binary', positive: 'bird' } })).rejects.toThrow(
      `dataset.target.positive "bird" is not a class of the training file ${names} (its classes: "cat", "dog")`,
    );
    await expect(loadDataset({ source: 'csv', train: names, label: 'animal', target: { kind: 'binary', positive: 5 } })).rejects.toThrow('the labels are names, so write "5"');
    await expect(loadDataset({ source: 'csv', train: numbers, label: 'digit', target: { kind: 'binary', positive: 'cat' } })).rejects.toThrow(
      `dataset.target.positive "cat" is a class name, but the labels of the training file ${numbers} are integers`,
    );
  });

  it('refuses the multilabel rules (large, odd digits) on class names', async () => {
    const train = file('x,animal\n1,dog\n2,cat\n');
    await expect(loadDataset({ source: 'csv', train, label: 'animal', target: { kind: 'multilabel', labels: ['odd'] } })).rejects.toThrow('is a rule on integer labels');
  });
});

describe('dataset fingerprint', () => {
  it('changes when the class names change, even when the codes do not', async () => {
    const a = await loadDataset({ source: 'csv', train: file('x,animal\n1,dog\n2,cat\n'), label: 'animal' });
    const b = await loadDataset({ source: 'csv', train: file('x,animal\n1,eel\n2,ant\n'), label: 'animal' });
    const same = await loadDataset({ source: 'csv', train: file('x,animal\n1,dog\n2,cat\n'), label: 'animal' });
    expect(Array.from(a.train.y as Int32Array)).toEqual(Array.from(b.train.y as Int32Array));
    expect(a.fingerprint).not.toBe(b.fingerprint);
    expect(a.fingerprint).toBe(same.fingerprint);
  });

  it('is unchanged for integer labels: target, features and labels, as before class names', async () => {
    const d = await loadDataset({ source: 'csv', train: file('x,digit\n1.5,5\n2,3\n'), label: 'digit' });
    const want = createHash('sha256')
      .update(JSON.stringify({ kind: 'multiclass' }))
      .update(new Uint8Array(Float64Array.from([1.5, 2]).buffer))
      .update(new Uint8Array(Int32Array.from([5, 3]).buffer))
      .digest('hex');
    expect(d.fingerprint).toBe(want);
  });
});

describe('loadDataset keeps a bounded number of datasets loaded', () => {
  it('keeps the most recently used MAX_LOADED_DATASETS; an evicted one is read again, a kept one is the same object', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridfold-lru-'));
    const specs = Array.from({ length: MAX_LOADED_DATASETS + 2 }, (_, i) => {
      const train = join(dir, `d${i}.csv`);
      writeFileSync(train, `x,label\n${i},0\n${i + 1},1\n`);
      return { source: 'csv' as const, train, label: 'label' };
    });
    const first = await loadDataset(specs[0]);
    for (const spec of specs.slice(1)) await loadDataset(spec);
    expect(loadedDatasets()).toBe(MAX_LOADED_DATASETS);
    // specs[0] was the oldest: it is loaded anew; the newest is still the very same object.
    expect(await loadDataset(specs[0])).not.toBe(first);
    const last = specs.at(-1)!;
    expect(await loadDataset(last)).toBe(await loadDataset(last));
    expect(loadedDatasets()).toBe(MAX_LOADED_DATASETS);
  });
});
