import { describe, expect, it } from 'vitest';
import { KFold, makeSplitter, StratifiedKFold } from '../../src/splitters/index.js';
import { foldIdsOf } from './fixtures.js';

describe('makeSplitter', () => {
  it('builds the splitter a job payload describes, ignoring extra keys', () => {
    const spec = { kind: 'stratified' as const, n_splits: 3, shuffle: false, random_state: null, subset: 1000 };
    const splitter = makeSplitter(spec);
    expect(splitter).toBeInstanceOf(StratifiedKFold);
    expect(splitter.getNSplits()).toBe(3);
    expect(makeSplitter({ kind: 'kfold' })).toBeInstanceOf(KFold);
    expect(makeSplitter({ kind: 'kfold' }).getNSplits()).toBe(5);
  });

  it('rebuilds identical shuffled folds from the same payload', () => {
    const payload = JSON.parse('{"kind":"kfold","n_splits":4,"shuffle":true,"random_state":11}');
    expect(foldIdsOf(makeSplitter(payload).split(40), 40)).toEqual(foldIdsOf(makeSplitter(payload).split(40), 40));
  });

  it('refuses unknown kinds and shuffling without a seed', () => {
    expect(() => makeSplitter({ kind: 'group' as never })).toThrow(`splitter kind must be 'kfold' or 'stratified', got "group"`);
    expect(() => makeSplitter({ kind: 'kfold', shuffle: true })).toThrow('a shuffled splitter needs an integer random_state');
    expect(() => makeSplitter({ kind: 'kfold', n_splits: 1 })).toThrow('nSplits must be an integer >= 2');
  });
});
