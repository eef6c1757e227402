import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';

/**
 * The web dashboard's built files (`apps/dashboard`, `vite build`) at `/`, with the single
 * page's index.html for `/`, `/experiments/:id`, `/bench` and `/bench/:name` (the page routes in
 * the browser). Hashed
 * assets are cached for a year; index.html is revalidated so a rebuild shows at once.
 */
export function dashboardRoutes(dir: string): Router {
  const router = Router();
  const index = join(dir, 'index.html');
  const page: express.RequestHandler = (_req, res) => {
    if (!existsSync(index)) {
      return void res
        .status(503)
        .type('text/plain')
        .send(`The dashboard is not built (no ${index}). Build it with: npm run build -w @gridfold/dashboard\n`);
    }
    // helmet's CSP says upgrade-insecure-requests: over plain http from anything but localhost
    // (the Docker image, a LAN host) the browser would fetch /assets over https and get no
    // script. The page's assets are all same-origin, so dropping the directive loosens nothing.
    const csp = res.get('content-security-policy');
    if (csp) res.set('content-security-policy', csp.split(';').filter((d) => d.trim() !== 'upgrade-insecure-requests').join(';'));
    res.set('cache-control', 'no-cache').sendFile(index);
  };
  router.get(['/', '/experiments/:id', '/bench', '/bench/:name'], page);
  router.use('/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '1y', index: false, fallthrough: true }));
  return router;
}
