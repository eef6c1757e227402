import type { ExperimentResult } from './api.js';
import { h } from './dom.js';

/** URL of one MNIST digit as PNG from the API (ink dark on white, as the seeds draw them). */
export function digitUrl(index: number, split: 'train' | 'test' = 'train', variant: 'clean' | 'noisy' = 'clean', scale = 2): string {
  return `/api/datasets/mnist/images/${index}.png?split=${split}&variant=${variant}&scale=${scale}`;
}

function digitImg(index: number, split: 'train' | 'test', variant: 'clean' | 'noisy'): HTMLImageElement {
  return h('img', { class: 'digit', src: digitUrl(index, split, variant), alt: `${split} image ${index}`, title: `${split} #${index}`, width: 28, height: 28, loading: 'lazy' });
}

/** The error analysis of one class pair: a 2x2 grid (true a/b x predicted a/b) of training digits. */
export function errorGrid(pair: { a: number; b: number; counts: Record<string, number>; indices: Record<string, number[]> }): HTMLElement {
  const cell = (key: 'aa' | 'ab' | 'ba' | 'bb', truth: number, pred: number) =>
    h(
      'td',
      { class: key[0] === key[1] ? 'grid-right' : 'grid-wrong' },
      h('div', { class: 'cell-caption' }, `true ${truth}, predicted ${pred}: ${pair.counts[key] ?? 0}`),
      h('div', { class: 'digit-wrap' }, ...(pair.indices[key] ?? []).map((i) => digitImg(i, 'train', 'clean'))),
    );
  return h(
    'figure',
    { class: 'figure', 'data-error-grid': `${pair.a}-${pair.b}` },
    h('figcaption', {}, `${pair.a} vs ${pair.b}: training digits by true and predicted class (out-of-fold predictions)`),
    h('table', { class: 'error-grid' }, h('tbody', {}, h('tr', {}, cell('aa', pair.a, pair.a), cell('ab', pair.a, pair.b)), h('tr', {}, cell('ba', pair.b, pair.a), cell('bb', pair.b, pair.b)))),
  );
}

/** The first `count` digits of the training set the experiment used. */
export function datasetSample(noisy: boolean, count = 30): HTMLElement {
  const variant = noisy ? 'noisy' : 'clean';
  return h(
    'figure',
    { class: 'figure', 'data-sample': variant },
    h('figcaption', {}, `The first ${count} training digits${noisy ? ' (noisy)' : ''}`),
    h('div', { class: 'digit-wrap' }, ...Array.from({ length: count }, (_, i) => digitImg(i, 'train', variant))),
  );
}

/** Draws 784 pixel values (0..255, noisy ones clipped) as a 28x28 canvas, ink dark on white. */
export function digitCanvas(pixels: number[], label: string): HTMLCanvasElement {
  const canvas = h('canvas', { class: 'digit-canvas', width: 28, height: 28, title: label, 'aria-label': label });
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = 255 - Math.max(0, Math.min(255, Math.round(pixels[i] ?? 0)));
    img.data.set([v, v, v, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

/** Noisy input, cleaned output and clean target of the refit's test examples (the denoising seed). */
export function denoiseExamples(examples: NonNullable<ExperimentResult['test_examples']>): HTMLElement | null {
  const images = examples.filter((e) => Array.isArray(e.prediction) && e.input.length === 784);
  if (!images.length) return null;
  const row = (title: string, pick: (e: (typeof images)[number]) => number[]) =>
    h('tr', {}, h('th', {}, title), ...images.map((e) => h('td', {}, digitCanvas(pick(e), `${title} test #${e.index}`))));
  return h(
    'figure',
    { class: 'figure', 'data-denoise': images.length },
    h('figcaption', {}, 'Noisy test digits, cleaned by the refit model, and the originals'),
    h('table', { class: 'denoise' }, h('tbody', {}, row('noisy', (e) => e.input), row('cleaned', (e) => e.prediction as number[]), row('clean', (e) => e.target as number[]))),
  );
}
