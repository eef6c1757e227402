import { loadDataset } from '@gridfold/core';
import { Router } from 'express';
import { PNG } from 'pngjs';

/**
 * Digit images as PNG, for error-analysis grids and dataset samples:
 * `GET /api/datasets/mnist/images/:index.png?split=train|test&variant=clean|noisy&scale=1..16`.
 * Drawn as the seeds draw them (`cmap="binary"`: ink is dark on white). `noisy` is the
 * seeds' noisy MNIST (np.random.seed(42), randint(0, 100)).
 */
export function datasetRoutes(): Router {
  const router = Router();
  router.get('/mnist/images/:file', async (req, res) => {
    const match = /^(\d+)\.png$/.exec(String(req.params.file));
    const split = String(req.query.split ?? 'train');
    const variant = String(req.query.variant ?? 'clean');
    const scale = Number(req.query.scale ?? 1);
    if (!match) return void res.status(400).json({ error: `image must be <index>.png, got ${JSON.stringify(req.params.file)}` });
    if (split !== 'train' && split !== 'test') return void res.status(400).json({ error: `split must be "train" or "test", got ${JSON.stringify(split)}` });
    if (variant !== 'clean' && variant !== 'noisy') return void res.status(400).json({ error: `variant must be "clean" or "noisy", got ${JSON.stringify(variant)}` });
    if (!Number.isInteger(scale) || scale < 1 || scale > 16) return void res.status(400).json({ error: `scale must be an integer in [1, 16], got ${JSON.stringify(req.query.scale)}` });
    const data = await loadDataset(variant === 'noisy' ? { source: 'mnist', target: { kind: 'denoise', noise: 100, seed: 42 } } : { source: 'mnist' });
    const X = split === 'train' ? data.train.X : data.test!.X;
    const index = Number(match[1]);
    if (index >= X.rows) return void res.status(404).json({ error: `index must be < ${X.rows} for split ${split}, got ${index}` });
    res.type('png').set('cache-control', 'public, max-age=86400').send(digitPng(X.row(index), scale));
  });
  return router;
}

/** A 28x28 digit (pixel values 0..255, noisy ones up to 354 are clipped) as a PNG, `scale` pixels per pixel. */
export function digitPng(pixels: ArrayLike<number>, scale = 1): Buffer {
  const side = 28 * scale;
  const png = new PNG({ width: side, height: side, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const out = Buffer.alloc(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const v = Math.min(255, pixels[Math.floor(y / scale) * 28 + Math.floor(x / scale)]);
      out[y * side + x] = 255 - v;
    }
  }
  png.data = out;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 });
}
