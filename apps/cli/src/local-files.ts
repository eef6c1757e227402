import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { DATA_PATH_FIELDS } from '@gridfold/core';
import { build } from 'esbuild';
import { ApiClient } from './api-client.js';
import { uploadArtifact } from './upload-artifact.js';

/** A plugin module bundled into one CommonJS file, as workers load it. */
export interface PluginBundle {
  /** The module as the spec names it. */
  ref: string;
  /** Where it was found. */
  path: string;
  code: string;
  sha256: string;
}

/** The local files a spec names, found next to it. */
export interface LocalFiles {
  plugins: PluginBundle[];
  /** Dataset files found next to the spec, by the path the spec writes. */
  data: Record<string, string>;
}

/**
 * Modules a bundle leaves to the worker: gridfold's own packages (a plugin's estimators must
 * extend the worker's Estimator), zod (the schemas of gridfold's parameter helpers) and
 * TensorFlow.js (the worker's, on its backend).
 */
export const PLUGIN_EXTERNALS = ['@gridfold/*', '@tensorflow/*', 'zod'];

/**
 * Bundles a plugin module (TypeScript or JavaScript) and what it imports into one CommonJS
 * file with esbuild, leaving {@link PLUGIN_EXTERNALS} out. Built from the module's own
 * directory, so the bytes (and the sha256 that names them) do not depend on where it is run.
 * @throws Error naming the file and esbuild's first complaint (with its line and column)
 */
export async function bundlePlugin(ref: string, path: string): Promise<PluginBundle> {
  path = resolve(path);
  try {
    const out = await build({
      entryPoints: [path],
      absWorkingDir: dirname(path),
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      external: PLUGIN_EXTERNALS,
      logLevel: 'silent',
      legalComments: 'none',
    });
    const code = out.outputFiles[0].text;
    return { ref, path, code, sha256: createHash('sha256').update(code).digest('hex') };
  } catch (err) {
    const first = (err as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> }).errors?.[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : '';
    throw new Error(`plugin ${ref} does not build: ${where}${first?.text ?? (err as Error).message}`);
  }
}

/**
 * The local files of a spec: each plugin (required, relative to the spec file's directory),
 * bundled; each dataset file that exists next to the spec. A dataset path found nowhere near
 * the spec is left as it is: a file in the workers' data directory (`GRIDFOLD_DATA_DIR`).
 * @throws Error naming a plugin that is missing or does not build
 */
export async function gatherLocalFiles(spec: Record<string, unknown>, specPath: string): Promise<LocalFiles> {
  const base = dirname(resolve(specPath));
  const known = (spec.artifacts ?? {}) as Record<string, string>;
  const plugins: PluginBundle[] = [];
  for (const [i, ref] of ((spec.plugins ?? []) as unknown[]).entries()) {
    if (typeof ref !== 'string') continue;
    const path = resolve(base, ref);
    if (!(await isFile(path))) {
      // A spec taken back from the API names its plugins by artifact already.
      if (known[ref]) continue;
      throw new Error(`plugin ${ref} (plugins.${i}) is not a file: looked for ${path}, relative to the spec file`);
    }
    plugins.push(await bundlePlugin(ref, path));
  }
  const data: Record<string, string> = {};
  const dataset = (spec.dataset ?? {}) as Record<string, unknown>;
  for (const field of DATA_PATH_FIELDS) {
    const value = dataset[field];
    if (typeof value !== 'string') continue;
    const path = resolve(base, value);
    if (await isFile(path)) data[value] = path;
  }
  return { plugins, data };
}

/**
 * Uploads a spec's local files to the API (what it already holds is not sent again) and returns
 * the spec naming them in `artifacts`. Tells `note` what it did, one line a file.
 */
export async function uploadLocalFiles(spec: Record<string, unknown>, files: LocalFiles, apiUrl: string, token: string | undefined, note: (line: string) => void): Promise<Record<string, unknown>> {
  const artifacts: Record<string, string> = { ...((spec.artifacts ?? {}) as Record<string, string>) };
  const client = new ApiClient(apiUrl, token);
  for (const p of files.plugins) {
    const bytes = Buffer.from(p.code);
    const had = await client.hasArtifact(p.sha256);
    if (!had) await client.uploadArtifact({ sha256: p.sha256, size: bytes.length, bytes: Readable.from([bytes]), name: `${p.ref.replace(/[^\x20-\x7e]/g, '_').slice(-200)}.cjs` });
    note(`plugin ${p.ref}: bundle ${p.sha256.slice(0, 12)} (${bytes.length} bytes) ${had ? 'already on the server' : 'uploaded'}`);
    artifacts[p.ref] = p.sha256;
  }
  for (const [ref, path] of Object.entries(files.data)) {
    const up = await uploadArtifact(apiUrl, token, path);
    note(`data ${ref}: ${up.sha256.slice(0, 12)} (${up.size} bytes) ${up.uploaded ? 'uploaded' : 'already on the server'}`);
    artifacts[ref] = up.sha256;
  }
  return Object.keys(artifacts).length ? { ...spec, artifacts } : spec;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}
