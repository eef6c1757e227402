import type { ExperimentResult, StudyCounts } from '@gridfold/core';

/**
 * A study's progress line: trials ended of n_trials (how many of them pruned, and failed when
 * any), trials running now, and the best mean score of the complete trials so far.
 * `12/40 trials ended (3 pruned) · 2 running · best 0.98123`
 */
export function studyProgressLine(c: StudyCounts, nTrials: number): string {
  const how = [`${c.pruned} pruned`, ...(c.failed ? [`${c.failed} failed`] : [])].join(', ');
  return `${c.ended}/${nTrials} trials ended (${how}) · ${c.running} running · best ${c.best === null ? '–' : c.best.toFixed(5)}`;
}

/**
 * A human-readable summary of a result: the cv_results table (best row marked; an objective's
 * extra metrics as mean_test_<name> columns), test metrics, class names and test examples
 * (when the labels were names), out-of-fold metrics, and one line on the learning curves.
 */
export function formatResult(r: ExperimentResult): string {
  const lines: string[] = [`experiment ${r.name} (${r.id}): ${r.status}${r.error ? ` — ${r.error}` : ''}`];
  const cv = r.cv_results;
  if (cv) {
    const names = Object.keys(cv).filter((k) => k.startsWith('param_')).map((k) => k.slice(6));
    // An objective's named metrics besides its score (`{score, loss}` gives mean_test_loss).
    const extras = Object.keys(cv).filter((k) => k.startsWith('mean_test_') && k !== 'mean_test_score') as Array<`mean_test_${string}`>;
    // A study's rows are its trials in trial order: their number, and how each ended.
    const states = cv.trial_state;
    const header = [...(states ? ['trial', 'state'] : []), 'rank', ...names, 'mean_test_score', 'std_test_score', ...extras, 'mean_fit_time'];
    const rows = cv.params.map((p, i) => [
      ...(states ? [String(i), trialState(states[i], cv.pruned_step?.[i] ?? null)] : []),
      String(cv.rank_test_score[i]) + (i === r.best_index ? ' *' : ''),
      ...names.map((n) => JSON.stringify(p[n] ?? null)),
      fmt(cv.mean_test_score[i], 5),
      fmt(cv.std_test_score[i], 5),
      ...extras.map((k) => fmt(cv[k][i] as number | null, 5)),
      cv.mean_fit_time[i] === null ? 'nan' : fmt(cv.mean_fit_time[i], 3) + 's',
    ]);
    const widths = header.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j].length)));
    const line = (cells: string[]) => cells.map((c, j) => c.padEnd(widths[j])).join('  ');
    lines.push('', line(header), ...rows.map(line));
  }
  if (r.best_params) lines.push('', `best_params ${JSON.stringify(r.best_params)}`);
  if (r.best_score !== null) lines.push(`best_score  ${r.best_score}`);
  if (r.classes) lines.push(`classes     ${JSON.stringify(r.classes)}`);
  if (r.test) lines.push(`test        ${Object.entries(r.test).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  for (const e of r.test_examples ?? []) {
    // Image targets (denoising) are 784 numbers each: the dashboard draws them instead.
    if (Array.isArray(e.target)) continue;
    lines.push(`${`example ${e.index}`.padEnd(11)} true ${JSON.stringify(e.target)}, predicted ${JSON.stringify(e.prediction)}`);
  }
  for (const [k, v] of Object.entries(r.metrics)) {
    if (k.endsWith('_curve')) continue;
    lines.push(`${k.padEnd(11)} ${JSON.stringify(v)}`);
  }
  if (r.curves?.length) {
    // A trial whose folds trained in lockstep also has the mean its pruner judged ('mean').
    const means = r.curves.filter((c) => c.fold === 'mean').length;
    const folds = `${r.curves.length - means} (cell, fold) series${means ? `, ${means} fold means` : ''}`;
    lines.push(`curves      ${folds}, ${stepRange(r.curves.flatMap((c) => [c.steps[0], c.steps[c.steps.length - 1]]))}`);
  }
  if (r.refit_curve?.length) lines.push(`refit_curve ${stepRange([r.refit_curve[0][0], r.refit_curve[r.refit_curve.length - 1][0]])}, last value ${r.refit_curve[r.refit_curve.length - 1][1]}`);
  if (r.errors.length) lines.push(`${r.errors.length} failed cell(s); first: cell ${r.errors[0].cell} fold ${r.errors[0].fold}: ${r.errors[0].error}`);
  lines.push(`total       ${(r.timings.total_ms / 1000).toFixed(1)}s`);
  return lines.join('\n');
}

/** A trial's state as the table shows it: a pruned trial with the step it was stopped at. */
function trialState(state: string, prunedStep: number | null): string {
  return state === 'pruned' && prunedStep !== null ? `pruned@${prunedStep}` : state;
}

/** "steps 1..3" (or "step 5" when there is one) for the first and last steps of some curves. */
function stepRange(steps: number[]): string {
  const lo = steps.reduce((a, b) => Math.min(a, b));
  const hi = steps.reduce((a, b) => Math.max(a, b));
  return lo === hi ? `step ${lo}` : `steps ${lo}..${hi}`;
}

function fmt(v: number | null, digits: number): string {
  return v === null ? 'nan' : v.toFixed(digits);
}

/** Bytes as people read them: `2.1 MB`, `512 KB`, `80 B` (1024-based, as Redis's own notation). */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
