import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type GridfoldApp } from '@gridfold/api';
import { connectRedis } from '@gridfold/queue';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, REDIS_URL } from './helpers/cluster.js';

const spec = { name: 'sec', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: { n_splits: 3, subset: 300 }, refit: false };
const dataDir = mkdtempSync(join(tmpdir(), 'gridfold-sec-'));
writeFileSync(join(dataDir, 'ok.csv'), 'a,label\n1,0\n2,1\n');
const outside = mkdtempSync(join(tmpdir(), 'gridfold-outside-'));
writeFileSync(join(outside, 'secret.csv'), 'a,label\n1,0\n');
symlinkSync(join(outside, 'secret.csv'), join(dataDir, 'link.csv'));

const redis = connectRedis(REDIS_URL);
const apps: Array<{ app: GridfoldApp; prefix: string }> = [];
function makeApp(extra: Partial<Parameters<typeof createApp>[0]> = {}) {
  const prefix = `test-${randomUUID()}`;
  const a = createApp({ redis, prefix, logger: pino({ level: 'silent' }), limits: { dataDir }, ...extra });
  apps.push({ app: a, prefix });
  return a.app;
}
afterAll(async () => {
  for (const { app, prefix } of apps) {
    await app.close();
    await deletePrefix(redis, prefix);
  }
  redis.disconnect();
});

describe('token auth', () => {
  const app = makeApp({ token: 's3cret' });
  const bearer = 'Bearer s3cret';

  it('needs the token for writes and, since specs name dataset paths and results may be private, for reads; /health stays open', async () => {
    const denied = await request(app).post('/api/experiments').send(spec).expect(401);
    expect(denied.body.error).toContain('Authorization: Bearer');
    await request(app).post('/api/experiments').set('authorization', 'Bearer wrong').send(spec).expect(401);
    const ok = await request(app).post('/api/experiments').set('authorization', bearer).send(spec).expect(201);
    // Reads were open to anyone before issue 13.
    for (const path of ['/api/experiments', `/api/experiments/${ok.body.id}`, '/api/events', `/api/experiments/${ok.body.id}/events`, '/api/datasets/mnist/images/0.png']) {
      const res = await request(app).get(path).expect(401);
      expect(res.body.error, path).toContain('missing or wrong token');
    }
    await request(app).get(`/api/experiments/${ok.body.id}`).set('authorization', bearer).expect(200);
    await request(app).get('/health').expect(200);
    await request(app).delete(`/api/experiments/${ok.body.id}`).expect(401);
    await request(app).post(`/api/experiments/${ok.body.id}/retry`).expect(401);
    await request(app).delete(`/api/experiments/${ok.body.id}`).set('authorization', bearer).expect(200);
  });

  it('closes Bull Board without the token and opens it fully with it (Basic for browsers)', async () => {
    const page = await request(app).get('/admin/queues').expect(401);
    expect(page.headers['www-authenticate']).toContain('Basic');
    expect(page.body.error).toContain('Bull Board needs the token');
    await request(app).get('/admin/queues/api/queues?page=1&jobsPerPage=10').expect(401);
    await request(app).put('/admin/queues/api/queues/gridfold-jobs/retry/failed').expect(401);
    const rw = await request(app).get('/admin/queues/api/queues?page=1&jobsPerPage=10').auth('admin', 's3cret').expect(200);
    expect(rw.body.queues.some((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(false);
  });

  it('with GRIDFOLD_PUBLIC_READ opens reads and a read-only Bull Board to anyone, and still guards every write', async () => {
    const open = makeApp({ token: 's3cret', publicRead: true });
    await request(open).get('/api/experiments').expect(200);
    await request(open).get('/admin/queues').expect(200);
    const ro = await request(open).get('/admin/queues/api/queues?page=1&jobsPerPage=10').expect(200);
    expect(ro.body.queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(true);
    await request(open).put('/admin/queues/api/queues/gridfold-jobs/retry/failed').expect(401);
    await request(open).post('/api/experiments').send(spec).expect(401);
  });

  it('trades the token for a read-only session cookie (for EventSource and <img>), which no write accepts', async () => {
    await request(app).post('/api/session').expect(401);
    const res = await request(app).post('/api/session').set('authorization', bearer).expect(200);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^gridfold_session=\d+\.[\w-]+; Max-Age=3600; Path=\/; Expires=.*; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain('s3cret');
    const cookie = setCookie.split(';')[0];
    await request(app).get('/api/experiments').set('cookie', cookie).expect(200);
    // Past the auth check: the id is unknown (a 401 would mean the cookie was refused).
    await request(app).get('/api/experiments/nope/events').set('cookie', cookie).expect(404);
    const ro = await request(app).get('/admin/queues/api/queues?page=1&jobsPerPage=10').set('cookie', cookie).expect(200);
    expect(ro.body.queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(true);
    await request(app).put('/admin/queues/api/queues/gridfold-jobs/retry/failed').set('cookie', cookie).expect(401);
    await request(app).post('/api/experiments').set('cookie', cookie).send(spec).expect(401);
    // A cookie made with another token is worth nothing here.
    const other = makeApp({ token: 'other' });
    const foreign = String((await request(other).post('/api/session').set('authorization', 'Bearer other').expect(200)).headers['set-cookie']).split(';')[0];
    await request(app).get('/api/experiments').set('cookie', foreign).expect(401);
    const forget = await request(app).delete('/api/session').expect(204);
    expect(String(forget.headers['set-cookie'])).toMatch(/^gridfold_session=; Path=\/; Expires=Thu, 01 Jan 1970/);
  });
});

describe('origin checks', () => {
  const pages = mkdtempSync(join(tmpdir(), 'gridfold-pages-'));
  writeFileSync(join(pages, 'index.html'), '<!doctype html><title>gridfold</title>');

  it('on loopback answers only Host localhost, 127.0.0.1 or [::1] (any port), pages and Bull Board included (DNS rebinding)', async () => {
    const app = makeApp({ loopbackOnly: true, dashboardDir: pages });
    for (const host of ['localhost', 'localhost:3000', '127.0.0.1:3911', '[::1]:8080', 'LOCALHOST']) await request(app).get('/health').set('host', host).expect(200);
    for (const path of ['/', '/experiments/x', '/health', '/api/experiments', '/admin/queues']) {
      const res = await request(app).get(path).set('host', 'rebind.example:3000').expect(403);
      expect(res.body.error, path).toBe('Host "rebind.example:3000" is not allowed: this API listens on loopback and answers only Host localhost, 127.0.0.1 or [::1] (with any port)');
    }
    for (const host of ['127.0.0.1.rebind.example', 'localhost.example', '127.0.0.2']) await request(app).get('/health').set('host', host).expect(403);
  });

  it('refuses a write that a browser says comes from another site, which could carry cached Basic credentials', async () => {
    const app = makeApp();
    for (const site of ['cross-site', 'same-site']) {
      const res = await request(app).post('/api/experiments').set('sec-fetch-site', site).send(spec).expect(403);
      expect(res.body.error).toBe(`cross-site POST refused (Sec-Fetch-Site: ${site}): use the dashboard on this server, or a client that is not a browser`);
    }
    await request(app).post('/api/experiments').set('sec-fetch-site', 'same-origin').send(spec).expect(201);
    await request(app).get('/api/experiments').set('sec-fetch-site', 'cross-site').expect(200);
  });
});

describe('headers, errors and rate limits', () => {
  it('sends security headers and never a stack trace', async () => {
    const app = makeApp();
    const res = await request(app).get('/api/experiments').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
    const bad = await request(app).post('/api/experiments').set('content-type', 'application/json').send('{"a":').expect(400);
    expect(bad.body.error).toContain('not valid JSON');
    expect(JSON.stringify(bad.body)).not.toContain('at ');
  });

  it('refuses bodies over the limit with 413 and JSON', async () => {
    const app = makeApp({ bodyLimit: '1kb' });
    const res = await request(app).post('/api/experiments').send({ ...spec, description: 'x'.repeat(2000) }).expect(413);
    expect(res.body.error).toContain('too large');
  });

  it('rate-limits reads per client with 429 and JSON (600 a minute by default)', async () => {
    const app = makeApp({ readsPerMinute: 3 });
    for (let i = 0; i < 3; i++) await request(app).get('/api/experiments').expect(200);
    const res = await request(app).get('/admin/queues/api/queues?page=1&jobsPerPage=10').expect(429);
    expect(res.body.error).toBe('too many reads; try again in a minute');
    await request(app).get('/health').expect(200);
    await request(app).post('/api/experiments').send(spec).expect(201);
  });

  it('rate-limits submissions with 429 and JSON', async () => {
    const app = makeApp({ submitsPerMinute: 2 });
    await request(app).post('/api/experiments').send(spec).expect(201);
    await request(app).post('/api/experiments').send(spec).expect(201);
    const res = await request(app).post('/api/experiments').send(spec).expect(429);
    expect(res.body.error).toContain('too many submissions');
  });
});

describe('submission limits and data paths', () => {
  const app = makeApp({ limits: { dataDir, maxCellFolds: 10, maxFileBytes: 1000 } });
  const csv = (train: string) => ({ ...spec, dataset: { source: 'csv', train, label: 'label' } });
  const issue = async (body: object) => (await request(app).post('/api/experiments').send(body).expect(400)).body.issues[0];

  it('caps grid cells x folds', async () => {
    const i = await issue({ ...spec, param_grid: { n_neighbors: [1, 2, 3, 4] } });
    expect(i).toEqual({ path: 'param_grid', message: '4 cells x 3 folds = 12 fits, more than the limit of 10' });
  });

  it('confines dataset paths to the data directory', async () => {
    await request(app).post('/api/experiments').send(csv('ok.csv')).expect(201);
    expect((await issue(csv('../x.csv'))).message).toContain('escapes the data directory');
    expect((await issue(csv('/etc/passwd'))).message).toContain('must be relative to the data directory');
    expect((await issue(csv('link.csv'))).message).toContain('link that leads out of the data directory');
    expect((await issue(csv('missing.csv'))).message).toContain('no such file');
  });

  it('caps dataset file size', async () => {
    writeFileSync(join(dataDir, 'big.csv'), `a,label\n${'1,0\n'.repeat(400)}`);
    expect((await issue(csv('big.csv'))).message).toContain('more than the limit of 1000');
  });
});
