import { activePluginShas } from '../estimators/registry.js';
import type { ExperimentSpec } from '../spec/schema.js';

/** The sha256 of each of the spec's plugin bundles, in spec order (from `artifacts`); empty without plugins. */
export function pluginShas(spec: Pick<ExperimentSpec, 'plugins' | 'artifacts'>): string[] {
  return (spec.plugins ?? []).map((ref) => spec.artifacts?.[ref] ?? '');
}

/** Whether this process has exactly the spec's plugins activated (always true for a spec without any). */
export function pluginsLoaded(spec: Pick<ExperimentSpec, 'plugins' | 'artifacts'>): boolean {
  const want = pluginShas(spec).sort();
  const have = [...activePluginShas()].sort();
  return want.length === 0 ? true : want.length === have.length && want.every((s, i) => s === have[i]);
}

