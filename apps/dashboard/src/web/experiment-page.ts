import { api, subscribe, type ExperimentDetail, type ExperimentEvent, type ExperimentResult, type HeatmapGrid } from './api.js';
import { type Chart, createChart } from './charts/echarts.js';
import { heatmapOption } from './charts/heatmap.js';
import { gridAxes, heatmapGrid } from './charts/heatmap-grid.js';
import { learningCurvesOption } from './charts/learning-curves.js';
import { historyOption, importanceOption, isStudy, paramImportance, parallelOption, type ParamSpace } from './charts/study.js';
import { cvResultsCsv, CvTable, fetchAllRows, jobUrl } from './cv-table.js';
import { datasetSample } from './digits.js';
import { download, fmtDuration, fmtTime, h, replace } from './dom.js';
import { HeatmapReader } from './heatmap-reader.js';
import { errorView } from './launch-form.js';
import { elapsedMs, progressBar, statusBadge } from './progress-bar.js';
import { renderResult } from './result-view.js';

/**
 * One experiment, live from GET /api/experiments/:id/events: spec, progress with ETA and
 * per-worker activity, the cv_results table, heatmap and objectives' learning curves as tasks
 * finish, then (once the result exists) metrics, curves, confusion matrices and digits.
 * Returns a stop function.
 */
export function experimentPage(root: HTMLElement, id: string): () => void {
  const title = h('h1', {}, 'Experiment');
  const meta = h('div', { class: 'meta' });
  const actions = h('div', { class: 'actions' });
  const messages = h('div', { class: 'messages' });
  const progress = h('section', { id: 'progress' });
  const table = new CvTable();
  const cvNote = h('p', { class: 'muted', id: 'cv-note' });
  const cvSection = h('section', { id: 'cv', hidden: true }, h('h2', {}, 'cv_results'), cvNote, table.element);
  const heatmap = createChart('heatmap', 'Mean test score over the grid', 300);
  const axisPickers = h('div', { class: 'axis-pickers' });
  const heatNote = h('p', { class: 'muted', id: 'heatmap-note' });
  const heatSection = h('section', { id: 'heatmap', hidden: true }, h('h2', {}, 'Grid heatmap'), axisPickers, heatNote, heatmap.figure);
  const learning = createChart('learning-curves', 'Reported value by step: mean over folds (bold), each fold (faint)', 340);
  const learningSection = h(
    'section',
    { id: 'learning-curves', hidden: true },
    h('h2', {}, 'Learning curves'),
    h('p', { class: 'muted' }, 'What the objective reported with ctx.report, per cell; ★ marks the best cell. Each task adds its fold when it finishes.'),
    learning.figure,
  );
  // A study's (search.kind "tpe") own charts, hidden for any other search.
  const history = createChart('history', 'Score by trial: complete trials (dots), pruned at their last reported value (hollow triangles), best so far (red)', 320);
  const historyNote = h('p', { class: 'muted' });
  const historySection = h('section', { id: 'optimisation-history', hidden: true }, h('h2', {}, 'Optimisation history'), historyNote, history.figure);
  const parallel = createChart('parallel', 'Parameters against the mean test score: one line per complete trial, the best in red', 340);
  const parallelSection = h(
    'section',
    { id: 'parallel-coordinates', hidden: true },
    h('h2', {}, 'Parallel coordinates'),
    h('p', { class: 'muted' }, 'Drag along an axis to keep only the trials in that range.'),
    parallel.figure,
  );
  const importance = createChart('importance', 'Share of the variance of complete trials’ scores each parameter explains alone (ε²)', 220);
  const importanceNote = h('p', { class: 'muted' });
  const importanceSection = h(
    'section',
    { id: 'param-importance', hidden: true },
    h('h2', {}, 'Parameter importance'),
    h(
      'p',
      { class: 'muted', id: 'importance-method' },
      'Method: the main effect of each parameter, measured directly on the complete trials. The scores are grouped by the parameter (a categorical one by its choices, a numeric one into up to 5 equal-count bins by rank, so a log scale makes no difference) and the bar is the share of the scores’ variance that the groups’ means explain, adjusted for chance (Kelley’s ε² = (SS between − (k−1)·MS within) / SS total, floored at 0; plain η² would credit k bins of noise with about (k−1)/(n−1)). ' +
        'Why not fANOVA (Optuna’s default): it estimates the same main effects (and interactions) through a random-forest surrogate, which is heavy to fit in the page and unsteady on a few dozen trials; this is cheap enough to recompute on every live update and has no seed. ' +
        'It does not see interactions, and TPE crowds trials into the good region, so a parameter it has already settled looks less important than it was. Pruned and failed trials have no score and are left out.',
    ),
    importanceNote,
    importance.figure,
  );
  const resultRoot = h('div', { id: 'result' });
  const sample = h('section', { id: 'sample' });
  const spec = h('pre', { class: 'spec' });
  replace(root, title, meta, actions, messages, progress, resultRoot, cvSection, historySection, heatSection, learningSection, parallelSection, importanceSection, sample, h('details', { id: 'spec' }, h('summary', {}, 'Spec'), spec));

  let last: ExperimentEvent | null = null;
  let received = Date.now();
  let result: ExperimentResult | null = null;
  let resultCharts: Chart[] = [];
  let axes: [string, string] | null = null;

  const renderHead = (e: ExperimentEvent) => {
    replace(title, e.name, ' ', statusBadge(e.status));
    const rootJob = `${e.id}.g${e.generation}.refit`;
    replace(meta, `id ${e.id} · created ${fmtTime(e.created_at)} · started ${fmtTime(e.started_at)} · duration ${fmtDuration(elapsedMs(e))}`, ' · ', h('a', { href: jobUrl(e.queue, rootJob) }, 'root job in Bull Board'), e.error ? h('p', { class: 'error' }, e.error) : null);
    const buttons: HTMLElement[] = [];
    if (e.status === 'queued' || e.status === 'running') buttons.push(button('Cancel', 'cancel', () => api(`/api/experiments/${id}`, { method: 'DELETE' })));
    if (e.status === 'failed' || e.status === 'cancelled') buttons.push(button('Retry', 'retry', () => api(`/api/experiments/${id}/retry`, { method: 'POST' })));
    if (hasCv(e)) buttons.push(button('Download cv_results.csv', 'csv', async () => download(`${e.name}-cv_results.csv`, cvResultsCsv(e.cv_results!), 'text/csv')));
    const paged = e.cv_results_page;
    if (paged) buttons.push(button('Download cv_results.csv', 'csv', async () => download(`${e.name}-cv_results.csv`, cvResultsCsv(await fetchAllRows(e.id, paged.rows)), 'text/csv')));
    if (e.has_result) buttons.push(button('Download result.json', 'json', async () => download(`${e.name}-result.json`, JSON.stringify(await fullResult(), null, 2), 'application/json')));
    replace(actions, ...buttons);
  };
  const button = (label: string, name: string, run: () => Promise<unknown>) => {
    const b = h('button', { 'data-action': name }, label);
    b.addEventListener('click', () => void run().catch((err) => replace(messages, ...errorView(err))));
    return b;
  };
  const fullResult = async () => (result ??= (await api<ExperimentDetail>(`/api/experiments/${id}`)).result);

  const renderProgress = (e: ExperimentEvent) => {
    const eta = e.progress.eta_ms === null ? null : Math.max(0, e.progress.eta_ms - (Date.now() - received));
    const byTask = new Map(e.tasks.map((t) => [t.task, t]));
    const running = [...e.progress.running].sort((a, b) => a.worker.localeCompare(b.worker) || a.task - b.task);
    replace(
      progress,
      h('h2', {}, 'Progress'),
      progressBar(e.progress, e.status),
      h('p', { class: 'muted', id: 'eta' }, e.status === 'running' ? `ETA ${fmtDuration(eta)} (cross-validation)` : e.status === 'queued' ? 'waiting for a worker' : `${e.status} in ${fmtDuration(elapsedMs(e))}`),
      running.length
        ? h(
            'table',
            { class: 'workers' },
            h('thead', {}, h('tr', {}, ...['worker', 'task', 'fold', 'cells', 'running for'].map((c) => h('th', {}, c)))),
            h('tbody', {}, ...running.map((r) => {
              const t = byTask.get(r.task);
              return h('tr', { 'data-worker': r.worker }, h('td', {}, r.worker), h('td', {}, t ? h('a', { href: jobUrl(e.queue, t.job_id) }, `#${r.task}`) : `#${r.task}`), h('td', {}, t?.fold ?? ''), h('td', {}, t?.cells.join(', ') ?? ''), h('td', { class: 'num' }, fmtDuration(Date.now() - r.since)));
            })),
          )
        : null,
    );
  };

  const renderGrid = (e: ExperimentEvent) => {
    const cv = e.cv_results;
    if (e.cv_results_page) {
      // Too many rows to inline: the table reads them by pages, the heatmap its squares from the API.
      cvSection.hidden = false;
      replace(cvNote, `${e.cv_results_page.rows.toLocaleString('en')} rows, read from the API by pages as you scroll; sorted by the API.`);
      table.updatePaged(e.id, e.cv_results_page.rows, e.queue, e.best_index);
      // After the table's first rows: on a loaded machine drawing the chart first would hold them back.
      if (e.spec.search?.kind !== 'tpe') void table.firstPage().then(() => pagedHeatmap.request());
      return;
    }
    if (!cv || !hasCv(e)) return;
    cvSection.hidden = false;
    table.update(cv, e.tasks, e.queue, e.best_index);
    renderHeatmap(e);
  };
  const renderHeatmap = (e: ExperimentEvent) => {
    const cv = e.cv_results;
    if (e.cv_results_page) return pagedHeatmap.request(true);
    // A study's trials are points of a continuous space, not grid cells: its parallel coordinates stand in for the heatmap.
    if (!cv || isStudy(cv)) return;
    const names = gridAxes(cv);
    if (names.length < 2) return;
    pickAxes(names);
    drawHeatmap(heatmapGrid(cv, axes![0], axes![1], e.best_index));
  };
  // A sweep too large to inline: its heatmap is computed by the API, read again as the sweep moves on (at most once a second).
  const pagedHeatmap = new HeatmapReader(
    () => `/api/experiments/${encodeURIComponent(id)}/heatmap${axes ? `?x=${encodeURIComponent(axes[0])}&y=${encodeURIComponent(axes[1])}` : ''}`,
    (v) => {
      // The API had not yet aggregated the newest results: read again (after the wait), or the squares would lag until the next event.
      if (v.status === 'running' && v.tasks_aggregated < v.tasks_done) pagedHeatmap.request();
      const grid = v.heatmap;
      if (!grid || grid.axes.length < 2) return;
      pickAxes(grid.axes);
      // An answer for the axes picked before the last change: the next read brings the new ones.
      if (grid.x === axes![0] && grid.y === axes![1]) drawHeatmap(grid);
    },
    (err) => replace(messages, ...errorView(err)),
  );
  /** Keeps the axes picked while both still vary; else cv_results' first two grid keys (sorted, as ParameterGrid): for the seeds' KNN grid n_neighbors across, weights down. */
  const pickAxes = (names: string[]) => {
    if (axes && names.includes(axes[0]) && names.includes(axes[1])) return;
    axes = [names[0], names[1]];
    renderPickers(names);
  };
  const drawHeatmap = (grid: HeatmapGrid) => {
    heatSection.hidden = false;
    const binned = [[grid.x, grid.x_counts], [grid.y, grid.y_counts]] as const;
    const notes = binned.filter(([, counts]) => counts.some((c) => c > 1)).map(([name, counts]) => `${name}: ${counts.reduce((a, b) => a + b, 0)} values in ${counts.length} bins`);
    replace(heatNote, notes.length ? `${notes.join('; ')}. A bin's square shows the best mean test score of its cells.` : '');
    heatmap.update(heatmapOption(grid));
  };
  const renderPickers = (names: string[]) => {
    if (names.length < 3) return replace(axisPickers);
    const pick = (i: 0 | 1) => {
      const s = h('select', { 'aria-label': i ? 'y axis' : 'x axis' }, ...names.map((n) => h('option', { value: n, selected: axes![i] === n }, n)));
      s.addEventListener('change', () => ((axes![i] = s.value), last && renderHeatmap(last)));
      return s;
    };
    replace(axisPickers, 'x ', pick(0), ' y ', pick(1), h('span', { class: 'muted' }, ' (other parameters at the best cell’s values)'));
  };

  const renderCurves = (e: ExperimentEvent) => {
    if (!e.curves?.length) return;
    learningSection.hidden = false;
    learning.update(learningCurvesOption(e.curves, e.cv_results, e.best_index));
  };

  const renderStudy = (e: ExperimentEvent) => {
    const cv = e.cv_results;
    if (!isStudy(cv)) return;
    const space = (e.spec as { param_space?: ParamSpace }).param_space;
    const states = cv.trial_state;
    const count = (s: string) => states.filter((t) => t === s).length;
    historySection.hidden = false;
    replace(historyNote, `${count('complete')} complete, ${count('pruned')} pruned, ${count('failed')} failed${count('failed') ? ' (no score: not drawn)' : ''}, ${count('running')} running.`);
    history.update(historyOption(cv));
    parallelSection.hidden = false;
    parallel.update(parallelOption(cv, space, e.best_index));
    importanceSection.hidden = false;
    const imp = paramImportance(cv, space);
    replace(importanceNote, imp ? `Over ${count('complete')} complete trials.` : 'Needs at least 4 complete trials.');
    if (imp) importance.update(importanceOption(imp));
  };

  const onEvent = async (e: ExperimentEvent) => {
    const first = last === null;
    last = e;
    received = Date.now();
    renderHead(e);
    renderProgress(e);
    renderGrid(e);
    renderStudy(e);
    renderCurves(e);
    if (first) {
      spec.textContent = JSON.stringify(e.spec, null, 2);
      const ds = e.spec.dataset as { source?: string; target?: { kind?: string } };
      if (ds.source === 'mnist') replace(sample, h('h2', {}, 'Dataset'), datasetSample(ds.target?.kind === 'denoise'));
    }
    if (e.has_result && !resultCharts.length) {
      const r = await fullResult();
      if (r) resultCharts = renderResult(resultRoot, r);
    }
  };
  const stop = subscribe(
    `/api/experiments/${id}/events`,
    { experiment: (e: ExperimentEvent) => void onEvent(e).catch((err) => replace(messages, ...errorView(err))) },
    // The stream closes for good only when the API refuses it (an unknown id); say why.
    (s) => s === 'closed' && !last && void api(`/api/experiments/${id}`).catch((err) => replace(messages, ...errorView(err))),
  );
  const timer = setInterval(() => last?.status === 'running' && (renderProgress(last), renderHead(last)), 1000);
  return () => {
    stop();
    clearInterval(timer);
    pagedHeatmap.stop();
    heatmap.dispose();
    learning.dispose();
    history.dispose();
    parallel.dispose();
    importance.dispose();
    resultCharts.forEach((c) => c.dispose());
  };
}

/** Whether the experiment cross-validates (cv_results has fold columns); `cv: null` runs only refit. */
function hasCv(e: ExperimentEvent): boolean {
  return e.cv_results !== null && Object.keys(e.cv_results).some((k) => /^split\d+_test_score$/.test(k));
}
