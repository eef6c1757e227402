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
import type { StudyCounts } from '../aggregate/study.js';
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
  /**
   * Called after each task and at each stage, for progress bars. A study (search.kind "tpe")
   * counts trials instead of tasks (done = trials ended of total = n_trials), and adds how they
   * stand in `study`, as the API's progress does.
   */
  onProgress?: (p: { done: number; total: number; stage: 'cv' | 'refit' | 'done'; study?: StudyCounts }) => void;
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
  // What progress counts: a study's trials, else tasks.
  const units = plan.search.kind === 'tpe' ? plan.search.n_trials : total;
  try {
    const dataset = await openDataset(plan.dataset, { dataDir: options.dataDir ?? defaultDataDir(), files: options.files });
    let summary: Summary;
    if (plan.search.kind === 'tpe' && plan.cv) {
      // One trial at a time in this process: one runs until the last has ended.
      const nTrials = plan.search.n_trials;
      const counts: StudyCounts = { ended: 0, complete: 0, pruned: 0, failed: 0, running: 1, best: null };
      const study = await runStudy(
        plan,
        dataset,
        studySettings(plan, id),
        (trialPlan, task, fitOptions) => fitAndScore(trialPlan, dataset, task, { ...fitOptions, signal: options.signal }),
        (trial) => {
          counts.ended++;
          counts[trial.state]++;
          if (trial.state === 'complete' && trial.value !== undefined && (counts.best === null || trial.value > counts.best)) counts.best = trial.value;
          counts.running = counts.ended < nTrials ? 1 : 0;
          options.onProgress?.({ done: counts.ended, total: nTrials, stage: 'cv', study: { ...counts } });
        },
      );
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
      options.onProgress?.({ done: units, total: units, stage: 'refit' });
      refit = await refitAndTest(plan, dataset, params, options.signal);
    }
    return buildResult({ id, plan, summary, refit, timings: { total_ms: performance.now() - started, cv_ms: cvMs } });
  } catch (err) {
    return failedResult(id, plan.name, err instanceof Error ? err.message : String(err), performance.now() - started, { done: 0, total });
  } finally {
    options.onProgress?.({ done: units, total: units, stage: 'done' });
  }
}
