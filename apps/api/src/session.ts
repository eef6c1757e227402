import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/** Name of the cookie that lets a browser read with the token it showed once. */
export const SESSION_COOKIE = 'gridfold_session';

/** How long a session cookie is accepted, milliseconds; the dashboard renews it well before. @defaultValue one hour */
export const SESSION_MAX_AGE_MS = 60 * 60 * 1000;

function mac(token: string, expires: number): string {
  return createHmac('sha256', token).update(`gridfold-session:${expires}`).digest('base64url');
}

/**
 * A session cookie's value: its expiry and an HMAC of it keyed by the token. Nothing is stored
 * (it works while Redis is down), the token itself never travels in it, and a new token
 * invalidates every cookie made with the old one.
 */
export function sessionValue(token: string, now = Date.now()): string {
  const expires = now + SESSION_MAX_AGE_MS;
  return `${expires}.${mac(token, expires)}`;
}

/** Whether the request carries an unexpired session cookie made with `token`. */
export function hasSession(req: Request, token: string, now = Date.now()): boolean {
  const cookie = (req.get('cookie') ?? '')
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  const [expiresText, given = ''] = (cookie?.slice(SESSION_COOKIE.length + 1) ?? '').split('.', 2);
  const expires = Number(expiresText);
  if (!Number.isSafeInteger(expires) || expires <= now || expires > now + SESSION_MAX_AGE_MS) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(mac(token, expires));
  return a.length === b.length && timingSafeEqual(a, b);
}
