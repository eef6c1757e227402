import { randomUUID } from 'node:crypto';
import { defaultDataDir, openDataset } from '../datasets/paths.js';
import { fitAndScore, type TaskResult } from '../search/fit-and-score.js';
import { runHalving } from '../search/halving.js';
import { planTasks } from '../search/plan.js';
import { refitAndTest, type RefitResult } from '../search/refit.js';
import { buildResult, failedResult, paramsToRefit, summarize, type Summary } from './assemble.js';
import { checkSpec } from './check.js';
import type { ExperimentResult } from './result.js';

/** Options for {@link runExperiment}. */
export interface RunOptions {
  /** Experiment id; a random UUID by default. */
  id?: string;
  /** Directory that dataset paths in the spec are relative to. @defaultValue `./data` under the working directory */
  dataDir?: string;
  /** Called after each task and at each stage, for progress bars. */
  onProgress?: (p: { done: number; total: number; stage: 'cv' | 'refit' | 'done' }) => void;
}

/**
 * Runs a whole experiment in this process: check spec → plan → fit/score every task →
 * aggregate → out-of-fold metrics → refit + test. The distributed runner calls the same
 * pieces from its jobs. A spec error throws SpecError; a failure while running returns a
 * result with status "failed" and the reason.
 */
export async function runExperiment(input: unknown, options: RunOptions = {}): Promise<ExperimentResult> {
  const spec = checkSpec(input);
  const id = options.id ?? randomUUID();
  const started = performance.now();
  const plan = planTasks(spec);
  const total = plan.tasks.length;
  try {
    const dataset = await openDataset(spec.dataset, { dataDir: options.dataDir ?? defaultDataDir() });
    let summary: Summary;
    if (spec.search.kind === 'halving' && plan.cv) {
      // Rounds are planned as earlier ones finish, so the total grows round by round.
      let done = 0;
      const halving = await runHalving(spec, dataset, plan.cv, plan.grid, async (roundPlan, task) => {
        const r = await fitAndScore(spec, dataset, roundPlan, task);
        options.onProgress?.({ done: ++done, total: done, stage: 'cv' });
        return r;
      });
      summary = { summary: halving.summary, metrics: {} };
    } else {
      const results: TaskResult[] = [];
      for (const task of plan.tasks) {
        results.push(await fitAndScore(spec, dataset, plan, task));
        options.onProgress?.({ done: results.length, total, stage: 'cv' });
      }
      summary = summarize(spec, dataset, plan, results);
    }
    const cvMs = performance.now() - started;
    let refit: RefitResult | null = null;
    if (spec.refit !== false) {
      const params = paramsToRefit(plan, summary.summary);
      if (params === null) throw new Error('every cell failed; nothing to refit (see errors)');
      options.onProgress?.({ done: total, total, stage: 'refit' });
      refit = await refitAndTest(spec, dataset, params);
    }
    return buildResult({ id, spec, plan, summary, refit, timings: { total_ms: performance.now() - started, cv_ms: cvMs } });
  } catch (err) {
    return failedResult(id, spec, err instanceof Error ? err.message : String(err), performance.now() - started, { done: 0, total });
  } finally {
    options.onProgress?.({ done: total, total, stage: 'done' });
  }
}
