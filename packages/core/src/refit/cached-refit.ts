import { digest, RESULT_CODE_VERSION, type CacheStore } from '../cache/cache-store.js';
import type { Dataset } from '../datasets/load.js';
import type { Params } from '../estimators/base.js';
import type { Plan } from '../plan/plan.js';
import type { RefitResult } from './refit-and-test.js';

/** The content key of a refit + test: dataset, estimator, params and what the test reports. */
export function refitKey(plan: Pick<Plan, 'estimator' | 'refit' | 'plugins'>, dataset: Dataset, params: Params): string {
  const plugins = plan.plugins.length > 0 ? { plugins: plan.plugins } : {};
  return digest({ v: RESULT_CODE_VERSION, data: dataset.fingerprint, estimator: plan.estimator, params, refit: plan.refit, refit_of: 'test', ...plugins });
}

/**
 * A refit + test result from the cache, or computed by `compute` and then stored. A reused
 * result keeps its metrics and says `cached`; its times are this run's (the look-up), not the
 * original fit's.
 */
export async function cachedRefit(plan: Pick<Plan, 'estimator' | 'refit' | 'cache' | 'plugins'>, dataset: Dataset, params: Params, cache: CacheStore | null, compute: () => Promise<RefitResult>): Promise<RefitResult> {
  if (!cache || !plan.cache) return compute();
  const started = performance.now();
  const key = refitKey(plan, dataset, params);
  const [hit] = await cache.getMany([key]);
  if (hit !== null) return { ...(JSON.parse(new TextDecoder().decode(hit)) as RefitResult), cached: true, refit_ms: performance.now() - started, test_ms: 0 };
  const result = await compute();
  await cache.setMany([[key, new TextEncoder().encode(JSON.stringify(result))]]);
  return result;
}
