/**
 * Every seed experiment, full size: each spec in experiments/ run in-process (--local) and
 * through the API with 2 workers (gridfold serve --workers 2), its numbers checked against
 * the seed notebooks / scikit-learn 1.2.1, and timed next to scikit-learn in the same run.
 * Run: npx tsx bench/seeds.ts [spec-name ...]      (about 20 minutes for all on 2 cores)
 */
import { readFileSync } from 'node:fs';
import { runExperiment, type ExperimentResult } from '../packages/core/src/index.js';
import { configureBench } from './configure.js';
import { startServe, submitAndWait } from './serve-harness.js';
import { ratio, sklearnBaseline } from './sklearn-baseline.js';

type Check = (r: ExperimentResult) => string[];
const eq = (what: string, got: unknown, want: unknown) => (JSON.stringify(got) === JSON.stringify(want) ? [] : [`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`]);
const near = (what: string, got: number | undefined, want: number, tol: number) => (got !== undefined && Math.abs(got - want) <= tol ? [] : [`${what}: got ${got}, want ${want} ± ${tol}`]);
const folds = (r: ExperimentResult) => [0, 1, 2].map((k) => (r.cv_results as unknown as Record<string, number[]>)[`split${k}_test_score`]?.[0]);
const m = (r: ExperimentResult, k: string) => r.metrics[k] as number;

const CASES: Record<string, { sklearn?: [string, string[]]; check: Check; show: (r: ExperimentResult) => string }> = {
  'mnist-knn-baseline': { sklearn: ['spec_cv.py', ['knn-baseline']], check: (r) => eq('test accuracy', r.test?.accuracy, 0.9688), show: (r) => `test ${r.test?.accuracy}` },
  'mnist-knn-grid': {
    sklearn: ['knn_grid.py', []],
    check: (r) => [...eq('best_params', r.best_params, { n_neighbors: 4, weights: 'distance' }), ...eq('best_score', r.best_score, 0.9441999999999998), ...eq('test', r.test?.accuracy, 0.9714)],
    show: (r) => `best ${JSON.stringify(r.best_params)} ${r.best_score} test ${r.test?.accuracy}`,
  },
  'mnist-5-never': { sklearn: ['spec_cv.py', ['5-never']], check: (r) => eq('folds', folds(r), [0.90965, 0.90965, 0.90965]), show: (r) => `folds ${folds(r).join(' ')}` },
  'mnist-5-sgd': {
    sklearn: ['spec_cv.py', ['sgd-5']],
    check: (r) => [
      ...eq('folds', folds(r), [0.95035, 0.96035, 0.9604]),
      ...eq('confusion', r.metrics.confusion_matrix, [[53892, 687], [1891, 3530]]),
      ...near('roc_auc', m(r, 'roc_auc'), 0.9604938554008616, 1e-12),
      ...near('threshold', (r.metrics.threshold_for_precision as { threshold: number }).threshold, 3370.0194991439557, 1e-6),
      ...near('recall@90', (r.metrics.threshold_for_precision as { recall: number }).recall, 0.4799852425751706, 1e-12),
    ],
    show: (r) => `folds ${folds(r).join(' ')} P ${m(r, 'precision').toFixed(4)} R ${m(r, 'recall').toFixed(4)} F1 ${m(r, 'f1').toFixed(4)} AUC ${m(r, 'roc_auc').toFixed(5)}`,
  },
  'mnist-5-forest': {
    sklearn: ['spec_cv.py', ['forest-5']],
    check: (r) => [...near('roc_auc', m(r, 'roc_auc'), 0.9983436731328145, 1e-12), ...near('f1', m(r, 'f1'), 0.9274509803921569, 1e-12)],
    show: (r) => `AUC ${m(r, 'roc_auc')} F1 ${m(r, 'f1')}`,
  },
  'mnist-svc-ovo': {
    sklearn: ['spec_cv.py', ['svc-ovo']],
    check: (r) => [...eq('folds', folds(r).map((v) => Number(v.toFixed(5))), [0.91754, 0.89955, 0.93694]), ...eq('test', r.test?.accuracy, 0.9302)],
    show: (r) => `folds ${folds(r).map((v) => v.toFixed(5)).join(' ')} test ${r.test?.accuracy}`,
  },
  'mnist-svc-ovr': { sklearn: ['spec_cv.py', ['svc-ovr']], check: (r) => eq('test', r.test?.accuracy, 0.9256), show: (r) => `test ${r.test?.accuracy}` },
  'mnist-sgd-multiclass': {
    sklearn: ['spec_cv.py', ['sgd-multiclass']],
    check: (r) => folds(r).flatMap((v, k) => near(`fold ${k}`, v, [0.87365, 0.85835, 0.8689][k], 0.02)),
    show: (r) => `folds ${folds(r).join(' ')}`,
  },
  'mnist-sgd-multiclass-scaled': {
    sklearn: ['spec_cv.py', ['sgd-multiclass-scaled']],
    check: (r) => ((r.best_score ?? 0) >= 0.89 ? [] : [`mean accuracy ${r.best_score} < 0.89`]),
    show: (r) => `folds ${folds(r).map((v) => v.toFixed(5)).join(' ')} mean ${r.best_score?.toFixed(5)} 3v5 ${JSON.stringify((r.metrics.error_analysis as Array<{ counts: unknown }>)?.[0]?.counts)}`,
  },
  'mnist-multilabel-knn': {
    sklearn: ['spec_cv.py', ['multilabel-knn']],
    check: (r) => [...eq('f1_macro', m(r, 'f1_macro'), 0.976410265560605), ...eq('f1_weighted', m(r, 'f1_weighted'), 0.9778357403921755)],
    show: (r) => `F1 macro ${m(r, 'f1_macro')} weighted ${m(r, 'f1_weighted')}`,
  },
  'mnist-denoise-knn': {
    sklearn: ['spec_cv.py', ['denoise']],
    check: (r) => ((r.test?.mean_squared_error ?? Infinity) < (r.test?.noisy_mean_squared_error ?? 0) * 0.75 ? [] : ['cleaned MSE not far below noisy MSE']),
    show: (r) => `MSE cleaned ${r.test?.mean_squared_error?.toFixed(1)} vs noisy ${r.test?.noisy_mean_squared_error?.toFixed(1)}`,
  },
  'mnist-mlp-grid': { check: (r) => ((r.test?.accuracy ?? 0) >= 0.97 ? [] : [`test accuracy ${r.test?.accuracy} < 0.97`]), show: (r) => `best ${JSON.stringify(r.best_params)} test ${r.test?.accuracy} backend ${JSON.stringify((r as { backend?: unknown }).backend)}` },
};

configureBench();
const wanted = process.argv.slice(2);
const rows = ['| spec | numbers (local = API) | --local | API, 2 workers | scikit-learn | ratio | check |', '|---|---|---|---|---|---|---|'];
let failures = 0;
for (const [name, c] of Object.entries(CASES).filter(([n]) => wanted.length === 0 || wanted.includes(n))) {
  const spec = { ...JSON.parse(readFileSync(new URL(`../experiments/${name}.json`, import.meta.url), 'utf8')), cache: false };
  const sk = c.sklearn ? await sklearnBaseline<{ seconds?: number; grid_s?: number; refit_test_s?: number }>(c.sklearn[0], c.sklearn[1]) : null;
  const skSeconds = sk ? (sk.seconds ?? (sk.grid_s ?? 0) + (sk.refit_test_s ?? 0)) : null;
  const t0 = performance.now();
  const local = await runExperiment(spec);
  const localS = (performance.now() - t0) / 1000;
  const served = await startServe(2, Number(process.env.GRIDFOLD_BENCH_PORT ?? 3600) + 100);
  let api: ExperimentResult;
  let apiS: number;
  try {
    const { view, wallMs } = await submitAndWait(served.url, spec);
    api = view.result ?? { ...local, status: view.status, error: view.error };
    apiS = wallMs / 1000;
  } finally {
    await served.stop();
  }
  const problems = [...(local.status === 'completed' ? c.check(local) : [`local ${local.error}`]), ...(api.status === 'completed' ? c.check(api) : [`api ${api.error}`])];
  if (c.show(local) !== c.show(api)) problems.push(`local and API differ: ${c.show(api)}`);
  failures += problems.length ? 1 : 0;
  const best = Math.min(localS, apiS);
  rows.push(`| ${name} | ${local.status === 'completed' ? c.show(local) : local.error} | ${localS.toFixed(1)} s | ${apiS.toFixed(1)} s | ${skSeconds === null ? '' : `${skSeconds.toFixed(1)} s`} | ${skSeconds === null ? '' : ratio(skSeconds, best)} | ${problems.length ? problems.join('; ') : 'ok'} |`);
  console.error(rows[rows.length - 1]);
}
console.log(rows.join('\n'));
process.exitCode = failures ? 1 : 0;
