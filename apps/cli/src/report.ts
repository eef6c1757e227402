import type { ExperimentResult } from '@gridfold/core';

/**
 * A human-readable summary of a result: the cv_results table (best row marked), test metrics,
 * class names and test examples (when the labels were names), out-of-fold metrics.
 */
export function formatResult(r: ExperimentResult): string {
  const lines: string[] = [`experiment ${r.name} (${r.id}): ${r.status}${r.error ? ` — ${r.error}` : ''}`];
  const cv = r.cv_results;
  if (cv) {
    const names = Object.keys(cv).filter((k) => k.startsWith('param_')).map((k) => k.slice(6));
    const header = ['rank', ...names, 'mean_test_score', 'std_test_score', 'mean_fit_time'];
    const rows = cv.params.map((p, i) => [
      String(cv.rank_test_score[i]) + (i === r.best_index ? ' *' : ''),
      ...names.map((n) => JSON.stringify(p[n] ?? null)),
      fmt(cv.mean_test_score[i], 5),
      fmt(cv.std_test_score[i], 5),
      fmt(cv.mean_fit_time[i], 3) + 's',
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
  if (r.errors.length) lines.push(`${r.errors.length} failed cell(s); first: cell ${r.errors[0].cell} fold ${r.errors[0].fold}: ${r.errors[0].error}`);
  lines.push(`total       ${(r.timings.total_ms / 1000).toFixed(1)}s`);
  return lines.join('\n');
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
