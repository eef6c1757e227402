import { createHash } from 'node:crypto';
import { createRequire, isBuiltin } from 'node:module';
import { compileFunction } from 'node:vm';
import { Estimator } from '../estimators/base.js';
import { Transformer } from '../estimators/transformer.js';
import type { RegisteredClass } from '../estimators/registry.js';
import { objectiveClass, ObjectiveEstimator, type Objective } from './objective.js';

/** A plugin that cannot be used: it does not parse, throws while loading, or exports nothing gridfold can run. */
export class PluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginError';
  }
}

/** What a loaded plugin module gives a sweep, by export name. */
export interface LoadedPlugin {
  /** How the spec names the module (`"./my-estimators.ts"`). */
  ref: string;
  /** sha256 of the bundle's bytes: its identity in task cache keys and in the artifact store. */
  sha256: string;
  estimators: Map<string, RegisteredClass<Estimator>>;
  transformers: Map<string, RegisteredClass<Transformer>>;
  /** Objectives, wrapped as estimator classes (see {@link objectiveClass}). */
  objectives: Map<string, RegisteredClass<ObjectiveEstimator>>;
}

/**
 * Modules a plugin bundle may `require` without bundling them: the host's own copies, so that
 * a plugin's estimators extend the very `Estimator` class the host checks for, and TensorFlow.js
 * runs on the backend the host set up. Node's built-in modules are always available.
 */
export type HostModules = Record<string, unknown>;

const nodeRequire = createRequire(import.meta.url);

/**
 * Evaluates a plugin bundle (CommonJS, as `gridfold run` bundles it with esbuild) in this
 * process and collects its exports: classes extending `Estimator` are estimators and classes
 * extending `Transformer` transformers, under their export names; other exported functions are
 * objectives (`objective(params, ctx)`). Names are checked against the built-in ones when the
 * plugin is activated (`activatePlugins`).
 * @throws PluginError naming the plugin and what is wrong
 */
export function evaluatePlugin(code: string, ref: string, host: HostModules): LoadedPlugin {
  const sha256 = createHash('sha256').update(code).digest('hex');
  let run: (...args: unknown[]) => unknown;
  try {
    run = compileFunction(code, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: `plugin:${ref}` }) as (...args: unknown[]) => unknown;
  } catch (err) {
    throw new PluginError(`plugin ${ref} does not parse: ${(err as Error).message}`);
  }
  const module = { exports: {} as Record<string, unknown> };
  const require = (id: string): unknown => {
    if (Object.hasOwn(host, id)) return host[id];
    if (isBuiltin(id)) return nodeRequire(id);
    throw new PluginError(`plugin ${ref} requires ${JSON.stringify(id)}, which it does not bundle and workers do not provide (they provide ${Object.keys(host).join(', ')} and Node's built-in modules)`);
  };
  try {
    run(module.exports, require, module, `plugin:${ref}`, '.');
  } catch (err) {
    if (err instanceof PluginError) throw err;
    throw new PluginError(`plugin ${ref} threw while loading: ${err instanceof Error ? err.message : String(err)}`);
  }
  const loaded: LoadedPlugin = { ref, sha256, estimators: new Map(), transformers: new Map(), objectives: new Map() };
  const exports = module.exports && typeof module.exports === 'object' ? module.exports : {};
  for (const [name, value] of Object.entries(exports)) {
    if (name === 'default' || name === '__esModule' || typeof value !== 'function') continue;
    if (value.prototype instanceof Estimator) {
      checkMethods(ref, name, value, ['fit', 'predict']);
      loaded.estimators.set(name, value as RegisteredClass<Estimator>);
    } else if (value.prototype instanceof Transformer) {
      checkMethods(ref, name, value, ['fit', 'transform']);
      loaded.transformers.set(name, value as RegisteredClass<Transformer>);
    } else if (isClass(value)) {
      if (hasMethods(value, ['fit', 'predict'])) {
        throw new PluginError(
          `plugin ${ref} exports ${name}, a class with fit and predict that does not extend Estimator from @gridfold/core (bundle it with @gridfold/core external, as gridfold run does, and extend Estimator)`,
        );
      }
    } else {
      loaded.objectives.set(name, objectiveClass(name, value as Objective));
    }
  }
  if (loaded.estimators.size + loaded.transformers.size + loaded.objectives.size === 0) {
    throw new PluginError(`plugin ${ref} exports no estimator class (extending Estimator from @gridfold/core), transformer or objective function`);
  }
  return loaded;
}

function isClass(value: Function): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(value));
}

function hasMethods(Ctor: Function, methods: string[]): boolean {
  return methods.every((m) => typeof (Ctor.prototype as Record<string, unknown>)[m] === 'function');
}

function checkMethods(ref: string, name: string, Ctor: Function, methods: string[]): void {
  const missing = methods.filter((m) => typeof (Ctor.prototype as Record<string, unknown>)[m] !== 'function');
  if (missing.length) throw new PluginError(`plugin ${ref}: ${name} does not implement ${missing.join(' and ')}`);
  // Estimator's abstract members are only types: a class without them still has the base's undefined.
}
