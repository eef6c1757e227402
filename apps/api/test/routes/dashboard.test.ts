import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestApp } from '../helpers/test-app.js';

// The real built dashboard is driven in a browser by test/dashboard.test.ts; these use a stand-in
// build directory so the serving rules can be checked without Vite.

const built = mkdtempSync(join(tmpdir(), 'gridfold-dashboard-'));
writeFileSync(join(built, 'index.html'), '<!doctype html><title>stand-in</title>');
mkdirSync(join(built, 'assets'));
writeFileSync(join(built, 'assets', 'app-1234.js'), 'export {};');
const empty = mkdtempSync(join(tmpdir(), 'gridfold-dashboard-empty-'));

describe('dashboard routes', () => {
  const withBuild = openTestApp({ dashboardDir: built });
  const withoutBuild = openTestApp({ dashboardDir: empty });
  afterAll(async () => {
    await Promise.all([withBuild.cleanup(), withoutBuild.cleanup()]);
    rmSync(built, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });

  it('serves index.html at / and at an experiment page, revalidated, without upgrade-insecure-requests', async () => {
    for (const path of ['/', '/experiments/abc']) {
      const res = await request(withBuild.app).get(path).expect(200).expect('content-type', /text\/html/);
      expect(res.text).toBe('<!doctype html><title>stand-in</title>');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    }
  });

  it('caches hashed assets for a year and answers a missing one with 404 JSON', async () => {
    const asset = await request(withBuild.app).get('/assets/app-1234.js').expect(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await request(withBuild.app).get('/assets/gone.js').expect(404)).body).toEqual({ error: 'not found' });
  });

  it('answers 503 with how to build it when the dashboard is not built', async () => {
    const res = await request(withoutBuild.app).get('/').expect(503).expect('content-type', /text\/plain/);
    expect(res.text).toBe(`The dashboard is not built (no ${join(empty, 'index.html')}). Build it with: npm run build -w @gridfold/dashboard\n`);
  });
});
