import { describe, expect, it } from 'vitest';
import { LruMap } from '../src/lru-map.js';

describe('LruMap', () => {
  it('keeps at most max entries, dropping the least recently used and telling onEvict', () => {
    const dropped: string[] = [];
    const map = new LruMap<string, number>(2, (value, key) => dropped.push(`${key}=${value}`));
    map.set('a', 1).set('b', 2);
    expect(map.get('a')).toBe(1); // a is now more recent than b
    map.set('c', 3);
    expect(dropped).toEqual(['b=2']);
    expect(map.size).toBe(2);
    expect(map.get('b')).toBeUndefined();
    expect([map.get('a'), map.get('c')]).toEqual([1, 3]);
  });

  it('makes a value once while it is held, and again after it was dropped', () => {
    const map = new LruMap<string, number>(1);
    let made = 0;
    expect(map.getOrSet('a', () => ++made)).toBe(1);
    expect(map.getOrSet('a', () => ++made)).toBe(1);
    map.set('b', 0);
    expect(map.getOrSet('a', () => ++made)).toBe(2);
  });

  it('forgets a deleted key without calling onEvict', () => {
    const dropped: string[] = [];
    const map = new LruMap<string, number>(2, (_, key) => dropped.push(key));
    map.set('a', 1);
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    expect(map.size).toBe(0);
    expect(dropped).toEqual([]);
  });

  it('getOrLoad keeps a load that succeeds, and forgets one that fails so the next call loads again', async () => {
    const map = new LruMap<string, Promise<number>>(4);
    let loads = 0;
    const ok = () => Promise.resolve(++loads);
    expect(await map.getOrLoad('a', ok)).toBe(1);
    expect(await map.getOrLoad('a', ok)).toBe(1);
    const failing = map.getOrLoad('b', () => Promise.reject(new Error('gone')));
    await expect(failing).rejects.toThrow('gone');
    expect(map.get('b')).toBeUndefined();
    expect(await map.getOrLoad('b', ok)).toBe(2);
    // A failed load does not forget what replaced it meanwhile.
    let fail!: (err: Error) => void;
    const slow = map.getOrLoad('c', () => new Promise<number>((_, reject) => (fail = reject)));
    const replacement = Promise.resolve(7);
    map.set('c', replacement);
    fail(new Error('late'));
    await expect(slow).rejects.toThrow('late');
    expect(map.get('c')).toBe(replacement);
  });

  it('rejects a max below 1', () => {
    expect(() => new LruMap(0)).toThrow('max must be an integer >= 1, got 0');
  });
});
