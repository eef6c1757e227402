import type { ExperimentResult } from './api.js';
import { h } from './dom.js';

/**
 * The refit's kept test rows of a class target as a table: row, true class, predicted class
 * (by name when the labels were names), wrong predictions marked. Null when the examples are
 * images (the denoising seed draws those) or there are none.
 */
export function classExamples(examples: NonNullable<ExperimentResult['test_examples']>): HTMLElement | null {
  const rows = examples.filter((e) => !Array.isArray(e.target) && !Array.isArray(e.prediction));
  if (!rows.length) return null;
  return h(
    'figure',
    { class: 'figure', 'data-examples': rows.length },
    h('figcaption', {}, 'The first test rows: true class and the refit model\'s prediction'),
    h(
      'table',
      { class: 'examples' },
      h('thead', {}, h('tr', {}, h('th', {}, 'test row'), h('th', {}, 'true class'), h('th', {}, 'predicted'))),
      h('tbody', {}, ...rows.map((e) => h('tr', { class: e.target === e.prediction ? 'right' : 'wrong', 'data-row': e.index }, h('td', {}, e.index), h('td', {}, String(e.target)), h('td', {}, String(e.prediction))))),
    ),
  );
}
