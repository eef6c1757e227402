import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';

/**
 * Whether a request carries the API token: `Authorization: Bearer <token>`, or HTTP Basic
 * with the token as password (so a browser can open Bull Board behind the same token).
 */
export function isAuthorized(req: Request, token: string | undefined): boolean {
  if (!token) return true;
  const header = req.get('authorization') ?? '';
  const [scheme, value = ''] = header.split(' ', 2);
  let given = '';
  if (scheme === 'Bearer') given = value;
  else if (scheme === 'Basic') given = Buffer.from(value, 'base64').toString('utf8').split(':').slice(1).join(':');
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** 401 with a JSON body unless the request carries the token (no-op when no token is set). */
export function requireToken(token: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (isAuthorized(req, token)) return next();
    res.set('WWW-Authenticate', 'Bearer realm="gridfold", Basic realm="gridfold"');
    res.status(401).json({ error: 'missing or wrong token: send "Authorization: Bearer <GRIDFOLD_TOKEN>"' });
  };
}
