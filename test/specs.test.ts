import { readdirSync, readFileSync } from 'node:fs';
import { checkSpec, runExperiment } from '@gridfold/core';
import { describe, expect, it } from 'vitest';

/**
 * Every spec in experiments/ is valid and runs end to end on small data: CV on the first
 * 600 training images, refit on them (6,000 for denoising; MLP epochs capped at 2). The full-size numbers are
 * checked by bench/seeds.ts (recorded in bench/RESULTS.md) and test/e2e-seed-grid.test.ts.
 */
const dir = new URL('../experiments/', import.meta.url);
const specs = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(new URL(f, dir), 'utf8'))] as const);

function shrink(spec: Record<string, any>): Record<string, any> {
  const small = structuredClone(spec);
  if (small.cv !== null) small.cv = typeof small.cv === 'number' ? { n_splits: small.cv, subset: 600 } : { ...small.cv, subset: 600 };
  // Denoising needs more examples than 600 to beat the noise: 6,000 (seconds still).
  const refitRows = spec.dataset.target?.kind === 'denoise' ? 6000 : 600;
  if (small.refit !== false) small.refit = { ...(typeof small.refit === 'object' ? small.refit : {}), subset: refitRows };
  const text = JSON.stringify(small).replace(/"max_iter":\s*\d+/g, '"max_iter": 2');
  return JSON.parse(text);
}

describe('experiments/*.json', () => {
  it('holds a spec for each seed experiment', () => {
    expect(specs.map(([f]) => f)).toEqual(
      expect.arrayContaining([
        'mnist-knn-grid.json', 'mnist-knn-baseline.json', 'mnist-5-never.json', 'mnist-5-sgd.json', 'mnist-5-forest.json',
        'mnist-svc-ovo.json', 'mnist-svc-ovr.json', 'mnist-sgd-multiclass.json', 'mnist-sgd-multiclass-scaled.json',
        'mnist-multilabel-knn.json', 'mnist-denoise-knn.json',
      ]),
    );
  });

  for (const [file, spec] of specs) {
    it(`${file} is valid and runs on 600 images`, async () => {
      checkSpec(spec);
      const r = await runExperiment(shrink(spec));
      expect(r.status, r.error).toBe('completed');
      if (spec.cv !== null) expect(r.cv_results!.mean_test_score.every((s) => s !== null && s >= 0)).toBe(true);
      if (spec.refit !== false && spec.dataset.target?.kind !== 'denoise') expect(r.test!.accuracy).toBeGreaterThan(0.5);
      if (spec.dataset.target?.kind === 'denoise') expect(r.test!.mean_squared_error).toBeLessThan(r.test!.noisy_mean_squared_error);
      for (const m of spec.oof?.metrics ?? []) expect(r.metrics[m], m).toBeDefined();
    }, 120_000);
  }
});
