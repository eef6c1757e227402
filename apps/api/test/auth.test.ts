import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { requireToken } from '../src/auth.js';

// No Redis here: requireToken is plain Express middleware, so a one-route app is the real thing.
function guarded(token: string | undefined) {
  const app = express();
  app.get('/', requireToken(token), (_req, res) => void res.json({ ok: true }));
  return app;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('requireToken', () => {
  it('lets everything through when no token is set', async () => {
    await request(guarded(undefined)).get('/').expect(200);
    await request(guarded('')).get('/').expect(200);
  });

  it('accepts the token as Bearer, or as the Basic password whatever the user name', async () => {
    const app = guarded('s3:cret');
    await request(app).get('/').set('authorization', 'Bearer s3:cret').expect(200);
    await request(app).get('/').set('authorization', basic('admin', 's3:cret')).expect(200);
    await request(app).get('/').set('authorization', basic('', 's3:cret')).expect(200);
  });

  it('refuses a wrong, longer, shorter or missing token with 401, a challenge for both schemes and JSON', async () => {
    const app = guarded('s3cret');
    for (const header of ['Bearer s3cres', 'Bearer s3crets', 'Bearer s3cre', 'Bearer', basic('s3cret', ''), 'Token s3cret', '']) {
      const res = await request(app).get('/').set('authorization', header).expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="gridfold", Basic realm="gridfold"');
      expect(res.body).toEqual({ error: 'missing or wrong token: send "Authorization: Bearer <GRIDFOLD_TOKEN>"' });
    }
    await request(app).get('/').expect(401);
  });
});
