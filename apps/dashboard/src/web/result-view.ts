import { api, type ExperimentDetail, type ExperimentList, type ExperimentResult } from './api.js';
import { CONFUSION_KINDS, confusionOption } from './charts/confusion.js';
import { prThresholdOption, precisionRecallOption, rocOption, type OperatingPoint, type PrCurve, type RocCurve } from './charts/curves.js';
import { createChart, type Chart } from './charts/echarts.js';
import { denoiseExamples, errorGrid } from './digits.js';
import { fmtParam, fmtScore, h, replace } from './dom.js';
import { classExamples } from './test-examples.js';

/** Scalar metrics shown in the summary table, in this order when present. */
const SCALARS = ['precision', 'recall', 'f1', 'f1_macro', 'f1_weighted', 'roc_auc'];

/**
 * Everything drawn from a finished experiment's result: best parameters, test metrics of the
 * refit model, out-of-fold metrics, PR / ROC curves (ROC overlaid with other experiments),
 * confusion matrices (axes by class name when the labels were names), the error-analysis
 * digit grid, noisy vs cleaned digits, and the test examples' true and predicted classes.
 * Returns the charts it created so the page can dispose of them.
 */
export function renderResult(root: HTMLElement, r: ExperimentResult): Chart[] {
  const charts: Chart[] = [];
  const m = r.metrics ?? {};
  const summary = h(
    'table',
    { class: 'kv', id: 'summary' },
    h('tbody', {},
      r.best_params && Object.keys(r.best_params).length ? row('best params', Object.entries(r.best_params).map(([k, v]) => `${k}=${fmtParam(v)}`).join(', ')) : null,
      r.best_score !== null ? row('best CV score', fmtScore(r.best_score, 6)) : null,
      r.classes ? row('classes', r.classes.join(', ')) : null,
      ...Object.entries(r.test ?? {}).map(([k, v]) => row(`test ${k} (refit)`, fmtScore(v, 6))),
      ...SCALARS.filter((k) => typeof m[k] === 'number').map((k) => row(`${k} (out-of-fold)`, fmtScore(m[k], 6))),
      m.threshold_for_precision ? row('threshold for precision', describePoint(m.threshold_for_precision as OperatingPoint)) : null,
      r.errors?.length ? row('failed cells', r.errors.map((e) => `cell ${e.cell} fold ${e.fold}: ${e.error}`).join('; ')) : null,
    ),
  );
  const sections: HTMLElement[] = [h('section', {}, h('h2', {}, 'Results'), summary)];

  const pr = m.precision_recall_curve as PrCurve | undefined;
  const roc = m.roc_curve as RocCurve | undefined;
  const point = m.threshold_for_precision as OperatingPoint | undefined;
  const plots: HTMLElement[] = [];
  const later: Array<() => void> = [];
  if (pr) {
    const a = createChart('pr-threshold', 'Precision and recall vs decision threshold');
    const b = createChart('precision-recall', 'Precision vs recall');
    charts.push(a, b);
    plots.push(a.figure, b.figure);
    later.push(() => a.update(prThresholdOption(pr, point)), () => b.update(precisionRecallOption(pr, point)));
  }
  if (roc) {
    const c = createChart('roc', 'ROC curve');
    charts.push(c);
    const overlay = new Map<string, { name: string; curve: RocCurve; auc: number | undefined }>([[r.id, { name: r.name, curve: roc, auc: m.roc_auc as number | undefined }]]);
    const draw = () => c.update(rocOption([...overlay.values()]));
    plots.push(h('div', { class: 'roc-block' }, c.figure, compareSelector(r.id, overlay, draw)));
    later.push(draw);
  }
  if (plots.length) sections.push(h('section', {}, h('h2', {}, 'Curves (out-of-fold scores)'), h('div', { class: 'plots' }, ...plots)));

  const labels = (m.confusion_matrix_labels as Array<string | number> | undefined) ?? [];
  const matrices = CONFUSION_KINDS.filter(([k]) => Array.isArray(m[k]));
  if (matrices.length) {
    const figs = matrices.map(([k, caption]) => {
      const matrix = m[k] as number[][];
      const c = createChart(k, `Confusion matrix: ${caption}`, labels.length > 4 ? 380 : 300);
      charts.push(c);
      later.push(() => c.update(confusionOption(matrix, labels.length ? labels : matrix.map((_, i) => i), k === 'confusion_matrix')));
      return c.figure;
    });
    sections.push(h('section', {}, h('h2', {}, 'Confusion matrices (out-of-fold predictions)'), h('div', { class: 'plots' }, ...figs)));
  }
  const pairs = m.error_analysis as Array<Parameters<typeof errorGrid>[0]> | undefined;
  if (pairs?.length) sections.push(h('section', {}, h('h2', {}, 'Error analysis'), ...pairs.map(errorGrid)));
  const examples = r.test_examples ? (denoiseExamples(r.test_examples) ?? classExamples(r.test_examples)) : null;
  if (examples) sections.push(h('section', {}, h('h2', {}, 'Test examples'), examples));

  replace(root, ...sections);
  for (const draw of later) draw();
  return charts;
}

function row(key: string, value: string): HTMLElement {
  return h('tr', {}, h('th', {}, key), h('td', {}, value));
}

function describePoint(p: OperatingPoint): string {
  return `${fmtScore(p.threshold, 6)} reaches precision ${fmtScore(p.precision)} at recall ${fmtScore(p.recall)}`;
}

/** "Compare with": other finished experiments whose ROC curves join the plot (the seeds' SGD vs random forest). */
function compareSelector(selfId: string, overlay: Map<string, { name: string; curve: RocCurve; auc: number | undefined }>, draw: () => void): HTMLElement {
  const select = h('select', { 'aria-label': 'compare ROC with', 'data-compare': true }, h('option', { value: '' }, 'compare with…'));
  const chips = h('div', { class: 'chips' });
  const note = h('span', { class: 'muted' });
  void api<ExperimentList>('/api/experiments?limit=100').then(({ experiments }) => {
    for (const e of experiments) if (e.id !== selfId && e.status === 'completed') select.append(h('option', { value: e.id }, `${e.name} · ${new Date(e.created_at).toLocaleString()}`));
  });
  const renderChips = () =>
    replace(chips, ...[...overlay].filter(([id]) => id !== selfId).map(([id, o]) => {
      const b = h('button', { class: 'chip', title: 'remove' }, `${o.name} ×`);
      b.addEventListener('click', () => (overlay.delete(id), renderChips(), draw()));
      return b;
    }));
  select.addEventListener('change', async () => {
    const id = select.value;
    select.value = '';
    if (!id || overlay.has(id)) return;
    const other = await api<ExperimentDetail>(`/api/experiments/${id}`);
    const curve = other.result?.metrics?.roc_curve as RocCurve | undefined;
    note.textContent = curve ? '' : `${other.name} has no ROC curve (its spec's oof.metrics needs "roc_curve").`;
    if (!curve) return;
    overlay.set(id, { name: other.name, curve, auc: other.result?.metrics?.roc_auc as number | undefined });
    renderChips();
    draw();
  });
  return h('div', { class: 'compare' }, select, chips, note);
}
