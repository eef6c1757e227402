import { api, ApiError, type ExperimentCreated } from './api.js';
import { h, replace } from './dom.js';
import { EXAMPLES } from './examples.js';

/**
 * A paste box for a spec, prefilled from an example, that submits to POST /api/experiments.
 * A 400 shows the API's issues grouped by field; success calls `onLaunched` with the new id.
 */
export function launchForm(onLaunched: (id: string) => void): HTMLElement {
  const select = h('select', { id: 'example', 'aria-label': 'example spec' }, ...Object.keys(EXAMPLES).map((k) => h('option', { value: k }, k)));
  const text = h('textarea', { id: 'spec', rows: 14, spellcheck: false, 'aria-label': 'experiment spec (JSON)' });
  const messages = h('div', { class: 'messages', role: 'alert', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', id: 'launch' }, 'Launch');
  const fill = () => (text.value = JSON.stringify(EXAMPLES[select.value], null, 2));
  select.addEventListener('change', fill);
  fill();

  const form = h('form', { class: 'launch', id: 'launch-form' }, h('h2', {}, 'Launch an experiment'), h('label', {}, 'Start from ', select), text, h('div', { class: 'row' }, button), messages);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let spec: unknown;
    try {
      spec = JSON.parse(text.value);
    } catch (err) {
      return replace(messages, h('p', { class: 'error' }, `The spec is not valid JSON: ${(err as Error).message}`));
    }
    button.disabled = true;
    replace(messages, h('p', {}, 'Submitting…'));
    try {
      const { id, tasks } = await api<ExperimentCreated>('/api/experiments', { method: 'POST', body: spec });
      replace(messages, h('p', { class: 'ok' }, `Launched ${id} (${tasks} tasks)`));
      onLaunched(id);
    } catch (err) {
      replace(messages, ...errorView(err));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** An API error as paragraphs, a bad spec's issues as a list grouped by field. */
export function errorView(err: unknown): HTMLElement[] {
  if (!(err instanceof ApiError)) return [h('p', { class: 'error' }, (err as Error).message)];
  const head = h('p', { class: 'error' }, err.status === 401 ? `${err.message} (enter the token at the top right)` : err.message);
  if (!err.issues.length) return [head];
  const byField = new Map<string, string[]>();
  for (const i of err.issues) byField.set(i.path || '(spec)', [...(byField.get(i.path || '(spec)') ?? []), i.message]);
  return [head, h('ul', { class: 'issues' }, ...[...byField].map(([path, msgs]) => h('li', { 'data-field': path }, h('code', {}, path), ': ', msgs.join('; '))))];
}
