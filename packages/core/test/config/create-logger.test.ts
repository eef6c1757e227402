import { describe, expect, it } from 'vitest';
import { createLogger, resolveLogFormat } from '../../src/config/create-logger.js';

describe('resolveLogFormat', () => {
  it('is pretty on a terminal and JSON otherwise when auto; a chosen format wins', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });
});

describe('createLogger', () => {
  it('logs from the configured level up, in either format', () => {
    for (const logFormat of ['json', 'pretty'] as const) {
      const log = createLogger({ logFormat, logLevel: 'warn' }, 'test');
      expect(log.level).toBe('warn');
      expect(log.isLevelEnabled('info')).toBe(false);
      expect(log.isLevelEnabled('error')).toBe(true);
    }
  });
});
