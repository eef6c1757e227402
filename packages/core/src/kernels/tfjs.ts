import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import { kernelSettings, TFJS_BACKENDS, type TfjsBackendName } from './kernel-settings.js';

export { TFJS_BACKENDS, type TfjsBackendName };

/** The loaded TensorFlow.js: core ops, the layers API, and the backend that runs them. */
export interface Tfjs {
  tf: typeof TfCore;
  layers: typeof TfLayers;
  backend: TfjsBackendName;
}

// Required, not imported: `@tensorflow/tfjs-node` requires the same CommonJS tfjs-core, so
// the backend it registers lands in the one engine the layers API and our code use.
const require = createRequire(import.meta.url);
let loading: Promise<Tfjs> | undefined;

/**
 * TensorFlow.js, loaded on first use and shared by the whole process. Tries
 * `@tensorflow/tfjs-node` (an optional dependency: its install downloads libtensorflow),
 * then the WASM backend (its .wasm files ship in the npm package, loaded from there), then
 * the plain CPU backend. The kernel settings' `tfjsBackend` (`configureKernels`) forces one.
 * @throws Error when the forced backend cannot load, naming why.
 */
export function loadTfjs(): Promise<Tfjs> {
  loading ??= initialise().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

/** The name of the backend {@link loadTfjs} settles on (loading TensorFlow.js if needed). */
export async function tfjsBackend(): Promise<TfjsBackendName> {
  return (await loadTfjs()).backend;
}

async function initialise(): Promise<Tfjs> {
  const forced = kernelSettings().tfjsBackend;
  const tf = require('@tensorflow/tfjs-core') as typeof TfCore;
  // PROD skips per-op debug checks and the "install tfjs-node" console banner.
  tf.env().set('PROD', true);
  const reasons: string[] = [];
  for (const name of forced ? [forced] : TFJS_BACKENDS) {
    try {
      if (await activate(tf, name)) {
        const layers = require('@tensorflow/tfjs-layers') as typeof TfLayers;
        return { tf, layers, backend: name };
      }
      reasons.push(`${name}: setBackend returned false`);
    } catch (err) {
      reasons.push(`${name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start (${reasons.join('; ')})`);
}

async function activate(tf: typeof TfCore, name: TfjsBackendName): Promise<boolean> {
  if (name === 'tensorflow') require('@tensorflow/tfjs-node');
  else if (name === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void };
    const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    wasm.setWasmPaths(dist + path.sep);
  } else require('@tensorflow/tfjs-backend-cpu');
  return tf.setBackend(name);
}
