import { timingSafeEqual } from 'node:crypto';
import { Router, type Request, type RequestHandler } from 'express';
import { hasSession, SESSION_COOKIE, SESSION_MAX_AGE_MS, sessionValue } from './session.js';

/** Who may do what: the API's token, and whether reads are open to anyone. */
export interface AccessPolicy {
  /** The API token (`GRIDFOLD_TOKEN`); unset: everything is open. */
  token?: string;
  /** Reads (experiments, event streams, dataset images, Bull Board's read-only view) need no token. `GRIDFOLD_PUBLIC_READ`. @defaultValue false */
  publicRead?: boolean;
}

/** What a request may do: everything, read only, or nothing. */
export type Access = 'write' | 'read' | 'none';

const MISSING_TOKEN = 'missing or wrong token: send "Authorization: Bearer <GRIDFOLD_TOKEN>"';

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

/**
 * What a request may do. The token (Bearer or Basic) allows everything; the session cookie
 * (`POST /api/session`) only reads: it is sent by the browser on its own, so it must not be
 * enough for anything that changes state.
 */
export function accessOf(req: Request, policy: AccessPolicy): Access {
  if (isAuthorized(req, policy.token)) return 'write';
  return policy.publicRead || hasSession(req, policy.token!) ? 'read' : 'none';
}

/** 401 with a JSON body unless the request carries the token (no-op when no token is set). */
export function requireToken(token: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (isAuthorized(req, token)) return next();
    res.set('WWW-Authenticate', 'Bearer realm="gridfold", Basic realm="gridfold"');
    res.status(401).json({ error: MISSING_TOKEN });
  };
}

/** 401 for a GET or HEAD that may not read (see {@link accessOf}); other methods are guarded by their routes. */
export function requireReadAccess(policy: AccessPolicy): RequestHandler {
  const deny = requireToken(policy.token);
  return (req, res, next) => ((req.method !== 'GET' && req.method !== 'HEAD') || accessOf(req, policy) !== 'none' ? next() : deny(req, res, next));
}

/**
 * `POST /api/session` (with the token) sets a short-lived, HttpOnly, SameSite=Strict cookie
 * that lets this browser read: EventSource and `<img>` cannot send an Authorization header,
 * and a `?token=` in their URLs would land in logs, history and Referer headers.
 * `DELETE /api/session` forgets it.
 */
export function sessionRoutes(token: string | undefined): Router {
  const router = Router();
  router.post('/api/session', requireToken(token), (req, res) => {
    if (!token) return void res.json({ expires_at: null });
    const value = sessionValue(token);
    res.cookie(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.secure, maxAge: SESSION_MAX_AGE_MS });
    res.json({ expires_at: new Date(Number(value.split('.')[0])).toISOString() });
  });
  router.delete('/api/session', (_req, res) => void res.clearCookie(SESSION_COOKIE, { path: '/' }).status(204).end());
  return router;
}

/**
 * Who may read `GET /metrics`: whoever may read (see {@link accessOf}), and with a metrics token
 * (`GRIDFOLD_METRICS_TOKEN`) whoever sends that one, as `Authorization: Bearer` (Prometheus'
 * `authorization`, KEDA's bearer `authMode`) or as HTTP Basic's password. That token opens
 * nothing else: a scraper need not hold the API token, which can submit code to the workers.
 */
export function requireMetricsAccess(policy: AccessPolicy, metricsToken: string | undefined): RequestHandler {
  const deny = requireToken(policy.token ?? metricsToken);
  return (req, res, next) => {
    if (metricsToken && isAuthorized(req, metricsToken)) return next();
    if (!policy.token && metricsToken) return deny(req, res, next);
    return accessOf(req, policy) !== 'none' ? next() : deny(req, res, next);
  };
}
