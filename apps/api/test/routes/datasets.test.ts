import { PNG } from 'pngjs';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestApp } from '../helpers/test-app.js';

const url = '/api/datasets/mnist/images';

describe('GET /api/datasets/mnist/images/:index.png', () => {
  const t = openTestApp();
  afterAll(() => t.cleanup());

  it.each([
    ['/a.png', 'image must be <index>.png, got "a.png"'],
    ['/-1.png', 'image must be <index>.png, got "-1.png"'],
    ['/3.jpg', 'image must be <index>.png, got "3.jpg"'],
    ['/3.png?split=valid', 'split must be "train" or "test", got "valid"'],
    ['/3.png?variant=blurred', 'variant must be "clean" or "noisy", got "blurred"'],
    ['/3.png?scale=0', 'scale must be an integer in [1, 16], got "0"'],
    ['/3.png?scale=17', 'scale must be an integer in [1, 16], got "17"'],
    ['/3.png?scale=1.5', 'scale must be an integer in [1, 16], got "1.5"'],
  ])('answers %s with 400 naming the value', async (path, error) => {
    expect((await request(t.app).get(`${url}${path}`).expect(400)).body).toEqual({ error });
  });

  it('answers 404 past the last image of a split (MNIST has 60,000 train and 10,000 test images)', async () => {
    expect((await request(t.app).get(`${url}/10000.png?split=test`).expect(404)).body).toEqual({ error: 'index must be < 10000 for split test, got 10000' });
    expect((await request(t.app).get(`${url}/60000.png`).expect(404)).body).toEqual({ error: 'index must be < 60000 for split train, got 60000' });
  });

  it('draws the last image of a split at its scale: 28 pixels a side times 3', async () => {
    const res = await request(t.app).get(`${url}/9999.png?split=test&scale=3`).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    }).expect(200).expect('content-type', 'image/png');
    const png = PNG.sync.read(res.body as Buffer);
    expect([png.width, png.height]).toEqual([84, 84]);
  });
});
