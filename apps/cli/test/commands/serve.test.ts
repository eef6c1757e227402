import { describe, expect, it } from 'vitest';
import { parseCount } from '../../src/commands/serve.js';

describe('parseCount (the --workers and --port values of serve)', () => {
  it('reads whole numbers from 0 up', () => {
    expect(['0', '2', '3000'].map(parseCount)).toEqual([0, 2, 3000]);
  });

  it.each(['-1', '1.5', 'two', '', ' ', '1e3', '0x10', 'NaN', 'Infinity', '99999999999999999999'])('refuses %j, naming the value', (value) => {
    expect(() => parseCount(value)).toThrow(`expected a whole number >= 0, got ${JSON.stringify(value)}`);
  });
});
