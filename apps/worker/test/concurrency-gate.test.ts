import { describe, expect, it } from 'vitest';
import { ConcurrencyGate } from '../src/concurrency-gate.js';

// Hand-computed cases: a process limit of 2 over three lanes (queue shards) a, b, c.
function gateOf(limit: number) {
  const allowed = new Map<string, number>();
  const gate = new ConcurrencyGate(limit, ['a', 'b', 'c'], (lane, jobs) => allowed.set(lane, jobs));
  return { gate, allowed: () => Object.fromEntries(allowed) };
}

describe('ConcurrencyGate', () => {
  it('lets each lane hold its running jobs plus the free slots, and pauses every lane (0) when full', () => {
    const { gate, allowed } = gateOf(2);
    expect(gate.enter('a')).toBe(true);
    // One slot free: a holds its 1 + 1, the others 0 + 1.
    expect(allowed()).toEqual({ a: 2, b: 1, c: 1 });
    expect(gate.enter('b')).toBe(true);
    expect(gate.size).toBe(2);
    expect(allowed()).toEqual({ a: 0, b: 0, c: 0 });
  });

  it('refuses a job fetched with no slot left (it goes back to its queue) and takes nothing for it', () => {
    const { gate, allowed } = gateOf(2);
    gate.enter('a');
    gate.enter('a');
    expect(gate.enter('c')).toBe(false);
    expect(gate.size).toBe(2);
    gate.leave('a');
    // The refused job held no slot: one is free again, for any lane.
    expect(gate.size).toBe(1);
    expect(allowed()).toEqual({ a: 2, b: 1, c: 1 });
    expect(gate.enter('c')).toBe(true);
    expect(gate.enter('b')).toBe(false);
  });

  it('never runs more than its limit however enters and leaves interleave', () => {
    const { gate } = gateOf(3);
    const lanes = ['a', 'b', 'c'];
    const running: string[] = [];
    let most = 0;
    // A fixed pseudo-random sequence (LCG) of fetches and ends.
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      if (x % 3 !== 0 || running.length === 0) {
        const lane = lanes[x % 3];
        if (gate.enter(lane)) running.push(lane);
      } else gate.leave(running.splice(x % running.length, 1)[0]);
      most = Math.max(most, running.length);
      expect(gate.size).toBe(running.length);
    }
    expect(most).toBe(3);
  });
});
