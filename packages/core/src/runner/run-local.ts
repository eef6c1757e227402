import '../estimators/builtins.js';
import { randomUUID } from 'node:crypto';
import { summarize, type Summary } from '../aggregate/summarize.js';
import { defaultDataDir, openDataset } from '../datasets/paths.js';
import { fitAndScore } from '../evaluate/fit-and-score.js';
import type { TaskResult } from '../evaluate/task-result.js';
import { checkSpec } from '../plan/check-spec.js';
import { planExperiment } from '../plan/plan.js';
import { paramsToRefit, refitAndTest, type RefitResult } from '../refit/refit-and-test.js';
import { buildResult, failedResult } from '../report/build-result.js';
import type { ExperimentResult } from '../report/result.js';
import { runHalving } from './run-halving.js';
import { runStudy, studySettings } from './run-study.js';
import { activatePlugins } from '../plugins/activate.js';
import type { LoadedPlugin } from '../plugins/load-plugin.js';

/** Options for {@link runExperiment}. */
export interface RunOptions {
  /** Experiment id; a random UUID by default. */
  id?: string;
  /** Directory that dataset paths in the spec are relative to. @defaultValue `./data` under the working directory */
  dataDir?: string;
  /**
   * The spec's plugins, loaded (`evaluatePlugin`): their estimators and objectives are what
   * the spec may name besides the built-in ones.
   */
  plugins?: LoadedPlugin[];
  /** Dataset files outside `dataDir`, by the path the spec writes (see DataDirOptions.files). */
  files?: Readonly<Record<string, string>>;
  /** Aborts the run: objectives see it as `ctx.signal`. */
  signal?: AbortSignal;
  /** Called after each task and at each stage, for progress bars. */
  onProgress?: (p: { done: number; total: number; stage: 'cv' | 'refit' | 'done' }) => void;
}

/**
 * Runs a whole experiment in this process: check spec → plan → fit/score every task →
 * aggregate → out-of-fold metrics → refit + test → result. The distributed runner calls the
 * same steps from its jobs. A spec error throws SpecError; a failure while running returns a
 * result with status "failed" and the reason.
 */
export async function runExperiment(input: unknown, options: RunOptions = {}): Promise<ExperimentResult> {
  activatePlugins(options.plugins ?? []);
  const plan = planExperiment(checkSpec(input));
  const id = options.id ?? randomUUID();
  const started = performance.now();
  const total = plan.tasks.length;
  try {
    const dataset = await openDataset(plan.dataset, { dataDir: options.dataDir ?? defaultDataDir(), files: options.files });
    let summary: Summary;
    if (plan.search.kind === 'tpe' && plan.cv) {
      let done = 0;
      const study = await runStudy(plan, dataset, studySettings(plan, id), async (trialPlan, task, fitOptions) => {
        const r = await fitAndScore(trialPlan, dataset, task, { ...fitOptions, signal: options.signal });
        options.onProgress?.({ done: ++done, total: plan.search.kind === 'tpe' ? plan.search.n_trials * plan.cv!.n_splits : done, stage: 'cv' });
        return r;
      });
      summary = { summary: study.summary, metrics: {} };
    } else if (plan.search.kind === 'halving' && plan.cv) {
      // Rounds are planned as earlier ones finish, so the total grows round by round.
      let done = 0;
      const halving = await runHalving(plan, dataset, async (roundPlan, task) => {
        const r = await fitAndScore(roundPlan, dataset, task, { signal: options.signal });
        options.onProgress?.({ done: ++done, total: done, stage: 'cv' });
        return r;
      });
      summary = { summary: halving.summary, metrics: {} };
    } else {
      const results: TaskResult[] = [];
      for (const task of plan.tasks) {
        results.push(await fitAndScore(plan, dataset, task, { signal: options.signal }));
        options.onProgress?.({ done: results.length, total, stage: 'cv' });
      }
      summary = summarize(plan, dataset, results);
    }
    const cvMs = performance.now() - started;
    let refit: RefitResult | null = null;
    if (plan.refit) {
      const params = paramsToRefit(plan, summary.summary);
      if (params === null) throw new Error('every cell failed; nothing to refit (see errors)');
      options.onProgress?.({ done: total, total, stage: 'refit' });
      refit = await refitAndTest(plan, dataset, params, options.signal);
    }
    return buildResult({ id, plan, summary, refit, timings: { total_ms: performance.now() - started, cv_ms: cvMs } });
  } catch (err) {
    return failedResult(id, plan.name, err instanceof Error ? err.message : String(err), performance.now() - started, { done: 0, total });
  } finally {
    options.onProgress?.({ done: total, total, stage: 'done' });
  }
}
