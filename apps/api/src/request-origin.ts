import type { RequestHandler } from 'express';

const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i;

/**
 * 403 for a request whose `Host` is not `localhost`, `127.0.0.1` or `[::1]` (any port). For an
 * API that listens on loopback: a web page on another name that resolves to 127.0.0.1 (DNS
 * rebinding) is then same-origin for the browser, and could otherwise read and drive the API.
 */
export function requireLoopbackHost(): RequestHandler {
  return (req, res, next) => {
    const host = req.get('host') ?? '';
    if (LOOPBACK_HOST.test(host)) return next();
    res.status(403).json({ error: `Host ${JSON.stringify(host)} is not allowed: this API listens on loopback and answers only Host localhost, 127.0.0.1 or [::1] (with any port)` });
  };
}

/**
 * 403 for a request that changes state and that a browser says comes from another site
 * (`Sec-Fetch-Site: cross-site` or `same-site`): a browser attaches HTTP Basic credentials and
 * cookies on its own, so another page could otherwise make it retry or submit. Requests
 * without the header (the CLI, curl, older browsers) are unaffected.
 */
export function refuseCrossSiteWrites(): RequestHandler {
  return (req, res, next) => {
    const site = req.get('sec-fetch-site');
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || site === undefined || site === 'same-origin' || site === 'none') return next();
    res.status(403).json({ error: `cross-site ${req.method} refused (Sec-Fetch-Site: ${site}): use the dashboard on this server, or a client that is not a browser` });
  };
}
