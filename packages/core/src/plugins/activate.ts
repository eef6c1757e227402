import type { Estimator } from '../estimators/base.js';
import { isRegisteredName, setPluginClasses, type RegisteredClass } from '../estimators/registry.js';
import type { Transformer } from '../estimators/transformer.js';
import { PluginError, type LoadedPlugin } from './load-plugin.js';

/**
 * Makes the classes and objectives of `plugins` (in spec order) the ones specs may name besides
 * gridfold's own, replacing any set before; an empty list clears them.
 * @throws PluginError when two plugins export the same name, or one takes a built-in's
 */
export function activatePlugins(plugins: readonly LoadedPlugin[]): void {
  if (plugins.length === 0) return setPluginClasses(null);
  const estimators = new Map<string, RegisteredClass<Estimator>>();
  const transformers = new Map<string, RegisteredClass<Transformer>>();
  const from = new Map<string, string>();
  const add = <T>(table: Map<string, RegisteredClass<T>>, name: string, Ctor: RegisteredClass<T>, ref: string) => {
    if (isRegisteredName(name)) throw new PluginError(`plugin ${ref} exports ${name}, the name of a built-in estimator; rename it`);
    const other = from.get(name);
    if (other !== undefined && other !== ref) throw new PluginError(`plugins ${other} and ${ref} both export ${name}; a spec could not say which it means`);
    from.set(name, ref);
    table.set(name, Ctor);
  };
  for (const p of plugins) {
    for (const [name, Ctor] of p.estimators) add(estimators, name, Ctor, p.ref);
    for (const [name, Ctor] of p.objectives) add(estimators, name, Ctor as RegisteredClass<Estimator>, p.ref);
    for (const [name, Ctor] of p.transformers) add(transformers, name, Ctor, p.ref);
  }
  setPluginClasses({ shas: plugins.map((p) => p.sha256), estimators, transformers });
}
