/**
 * The seeds' SVC experiments (experiments/mnist-svc-ovo.json, mnist-svc-ovr.json) in-process,
 * against scikit-learn 1.2.1 doing the same in the same run on the same machine:
 * cross_val_score cv=3 on the first 2,000 training images, fit on them, score the 10,000
 * test images. Run: npx tsx bench/svc.ts
 */
import { readFileSync } from 'node:fs';
import { runExperiment } from '../packages/core/src/index.js';
import { configureBench } from './configure.js';
import { ratio, sklearnBaseline } from './sklearn-baseline.js';

interface SkRun {
  cv_s: number;
  fit_s: number;
  test_s: number;
  folds: number[];
  test_accuracy: number;
}

configureBench();
const sk = await sklearnBaseline<Record<'ovo' | 'ovr', SkRun>>('svc.py');
// Dataset load is part of neither side's timing: scikit-learn's script loads before timing too.
const { loadMnist } = await import('../packages/core/src/datasets/mnist.js');
await loadMnist();
const rows = [['', 'gridfold (in-process)', 'scikit-learn', 'ratio']];
for (const kind of ['ovo', 'ovr'] as const) {
  const spec = JSON.parse(readFileSync(new URL(`../experiments/mnist-svc-${kind}.json`, import.meta.url), 'utf8'));
  const ours = await runExperiment(spec);
  if (ours.status !== 'completed') throw new Error(`gridfold failed: ${ours.error}`);
  const s = sk[kind];
  const cv = ours.timings.cv_ms / 1000;
  const refit = ours.timings.refit_ms / 1000;
  const test = ours.timings.test_ms / 1000;
  const folds = [0, 1, 2].map((f) => (ours.cv_results as unknown as Record<string, number[]>)[`split${f}_test_score`][0].toFixed(5));
  const label = kind === 'ovo' ? 'SVC' : 'OneVsRest(SVC)';
  rows.push(
    [`${label}: cv=3 on 2,000`, `${cv.toFixed(2)} s`, `${s.cv_s.toFixed(2)} s`, ratio(s.cv_s, cv)],
    [`${label}: fit on 2,000`, `${refit.toFixed(2)} s`, `${s.fit_s.toFixed(2)} s`, ratio(s.fit_s, refit)],
    [`${label}: score 10,000 test images`, `${test.toFixed(2)} s`, `${s.test_s.toFixed(2)} s`, ratio(s.test_s, test)],
    [`${label}: total`, `${(cv + refit + test).toFixed(2)} s`, `${(s.cv_s + s.fit_s + s.test_s).toFixed(2)} s`, ratio(s.cv_s + s.fit_s + s.test_s, cv + refit + test)],
    [`${label}: folds`, folds.join(' '), s.folds.map((v) => v.toFixed(5)).join(' '), ''],
    [`${label}: test accuracy`, String(ours.test?.accuracy), String(s.test_accuracy), ''],
  );
}
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
