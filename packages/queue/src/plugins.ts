import * as core from '@gridfold/core';
import { evaluatePlugin, type HostModules, type LoadedPlugin } from '@gridfold/core';
import * as zod from 'zod';
import { LruMap } from './lru-map.js';

/**
 * What a plugin bundle may `require` from its host (see `evaluatePlugin`): this process's
 * `@gridfold/core`, so that its classes extend the Estimator the host checks for; `zod`, the
 * schema library gridfold's parameter helpers are built on (one copy, so a plugin's schemas and
 * the helpers' mix); and, when the
 * bundle asks for TensorFlow.js, the host's copy on the backend it set up (`@tensorflow/tfjs`
 * is core ops plus the layers API).
 */
export async function hostModules(code: string): Promise<HostModules> {
  const host: HostModules = { '@gridfold/core': core, zod };
  // zod's subpath entry points (`import { z } from 'zod/v4'`): the bundler leaves them out with
  // `zod`, so the host provides the ones a bundle names, from its own copy.
  for (const [, sub] of code.matchAll(/require\(["']zod\/([\w/-]+)["']\)/g)) {
    if (ZOD_SUBPATHS.includes(sub)) host[`zod/${sub}`] = await import(/* @vite-ignore */ `zod/${sub}`);
  }
  if (code.includes('@tensorflow/')) {
    const { tf, layers } = await core.loadTfjs();
    Object.assign(host, { '@tensorflow/tfjs-core': tf, '@tensorflow/tfjs-layers': layers, '@tensorflow/tfjs': { ...tf, ...layers } });
  }
  return host;
}

/** zod's published subpath entry points (its package.json `exports`), besides the root. */
const ZOD_SUBPATHS = ['mini', 'v3', 'v4', 'v4-mini', 'v4/mini', 'v4/core'];

const KEEP = 32;
const loaded = new LruMap<string, Promise<LoadedPlugin>>(KEEP);

/**
 * A plugin bundle evaluated in this process, once per bundle (by sha256) while it is among the
 * last {@link KEEP} used: a long-lived processor runs many jobs of one experiment.
 * @param read - the bundle's code, given its sha256 (from the artifact store or a local cache)
 * @throws PluginError (from evaluatePlugin) when the bundle cannot be used
 */
export function loadPlugin(sha256: string, ref: string, read: (sha256: string) => Promise<string>): Promise<LoadedPlugin> {
  return loaded.getOrLoad(`${sha256}:${ref}`, async () => {
    const code = await read(sha256);
    const plugin = evaluatePlugin(code, ref, await hostModules(code));
    if (plugin.sha256 !== sha256) throw new Error(`plugin ${ref}: the bundle read hashes to ${plugin.sha256}, not ${sha256}`);
    return plugin;
  });
}

/**
 * Loads and activates the plugins of a spec (by its `plugins` and `artifacts`), so that its
 * estimators and objectives can be built here; a spec without plugins clears any active ones.
 */
export async function usePlugins(spec: Pick<core.ExperimentSpec, 'plugins' | 'artifacts'>, read: (sha256: string) => Promise<string>): Promise<void> {
  const refs = spec.plugins ?? [];
  const plugins = await Promise.all(refs.map((ref) => loadPlugin(spec.artifacts?.[ref] ?? '', ref, read)));
  core.activatePlugins(plugins);
}
