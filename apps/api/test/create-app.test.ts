import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { keys } from '@gridfold/queue';
import { openTestApp } from './helpers/test-app.js';

// Body-size (413), rate-limit (429), security-header and not-JSON (400) answers are tested in
// test/security.test.ts; this file covers the app's own fallbacks.

describe('createApp fallbacks', () => {
  const t = openTestApp();
  afterAll(() => t.cleanup());

  it('answers an unknown route with 404 JSON', async () => {
    const res = await request(t.app).get('/api/nope').expect(404).expect('content-type', /application\/json/);
    expect(res.body).toEqual({ error: 'not found' });
  });

  it('serves no page at / when built without a dashboard', async () => {
    const res = await request(t.app).get('/').expect(404);
    expect(res.body).toEqual({ error: 'not found' });
  });

  it('answers an unexpected failure with 500 "internal error", logging the reason but sending no stack', async () => {
    // A record whose spec is not JSON makes the store's JSON.parse throw inside the route.
    await t.store.create('broken', { name: 'broken' } as never, 1000);
    await t.redis.hset(keys(t.prefix).experiment('broken'), 'spec', '{not json');
    const res = await request(t.app).get('/api/experiments/broken').expect(500);
    expect(res.body).toEqual({ error: 'internal error' });
    const logged = t.logs.find((l) => l.msg === 'request failed');
    expect(logged?.err).toMatch(/JSON/);
    expect(logged?.stack).toContain('at ');
  });

  it('passes a client error raised by a middleware through with its status and message', async () => {
    const res = await request(t.app).post('/api/experiments').set('content-type', 'application/json').set('content-encoding', 'bogus').send('{}').expect(415);
    expect(res.body).toEqual({ error: 'unsupported content encoding "bogus"' });
  });
});
