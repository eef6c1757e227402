import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { hasSession, SESSION_MAX_AGE_MS, sessionValue } from '../src/session.js';

const withCookie = (cookie: string) => ({ get: (name: string) => (name === 'cookie' ? cookie : undefined) }) as unknown as Request;
const t0 = 1_700_000_000_000;

describe('session cookie', () => {
  it('is accepted with its token until it expires, an hour after it was made', () => {
    const value = sessionValue('tok', t0);
    expect(value).toMatch(/^\d+\.[\w-]{43}$/);
    const req = withCookie(`other=1; gridfold_session=${value}; x=y`);
    expect(hasSession(req, 'tok', t0 + SESSION_MAX_AGE_MS - 1)).toBe(true);
    expect(hasSession(req, 'tok', t0 + SESSION_MAX_AGE_MS)).toBe(false);
  });

  it('is refused with another token, with a changed expiry or MAC, or when absent', () => {
    const value = sessionValue('tok', t0);
    const [expires, mac] = value.split('.');
    expect(hasSession(withCookie(`gridfold_session=${value}`), 'other', t0)).toBe(false);
    expect(hasSession(withCookie(`gridfold_session=${Number(expires) + 1}.${mac}`), 'tok', t0)).toBe(false);
    expect(hasSession(withCookie(`gridfold_session=${expires}.${mac.slice(1)}A`), 'tok', t0)).toBe(false);
    expect(hasSession(withCookie(`gridfold_session=${expires}`), 'tok', t0)).toBe(false);
    expect(hasSession(withCookie(''), 'tok', t0)).toBe(false);
  });

  it('refuses an expiry further ahead than a cookie lives, whatever made it', () => {
    const value = sessionValue('tok', t0 + SESSION_MAX_AGE_MS);
    expect(hasSession(withCookie(`gridfold_session=${value}`), 'tok', t0 - 1)).toBe(false);
  });
});
