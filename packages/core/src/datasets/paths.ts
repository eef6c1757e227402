import { createHash } from 'node:crypto';
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { loadDataset, type Dataset, type DatasetSpec } from './load.js';
import { DATA_PATH_FIELDS as PATH_FIELDS, sourceFingerprint, type DataPathField } from './source-fingerprint.js';

/**
 * The default cap on one dataset file, bytes (2 GiB), checked by the API at submission and
 * again by a worker opening the data, so that a spec cannot make them read a file of any size.
 */
export const MAX_DATASET_FILE_BYTES = 2 * 1024 ** 3;

/** Where dataset files may live, and how large they may be. */
export interface DataDirOptions {
  /** Directory that every CSV/IDX path in a spec is relative to and confined to. */
  dataDir: string;
  /**
   * Largest accepted dataset file, bytes.
   * @defaultValue {@link MAX_DATASET_FILE_BYTES} (2 GiB)
   */
  maxFileBytes?: number;
  /**
   * Files that are not in the data directory, by the path the spec writes: an artifact's copy
   * in a worker's cache, a file next to the spec in a local run. Used as they are.
   */
  files?: Readonly<Record<string, string>>;
  /**
   * Paths the spec maps to uploaded artifacts (its `artifacts`), with their sha256: not in the
   * data directory, and their bytes' hash is known (the artifact store checked it).
   */
  artifacts?: Readonly<Record<string, string>>;
}

/** The default data directory: `./data` under the working directory (the config's `dataDir` overrides it). */
export function defaultDataDir(): string {
  return resolve('data');
}

/** One bad path: the spec field and why. */
export interface PathIssue {
  path: string;
  message: string;
}

/**
 * Checks every file path of a dataset spec: relative to the data directory, inside it once
 * resolved (no `../` escapes, no symlinks pointing out), an existing regular file within the
 * size limit. Returns the problems (empty when all is well); nothing is read.
 */
export function checkDataPaths(dataset: DatasetSpec, options: DataDirOptions): PathIssue[] {
  const issues: PathIssue[] = [];
  const max = options.maxFileBytes ?? MAX_DATASET_FILE_BYTES;
  let root: string;
  try {
    root = realpathSync(options.dataDir);
  } catch {
    root = resolve(options.dataDir);
  }
  for (const field of PATH_FIELDS) {
    const value = (dataset as Record<string, unknown>)[field];
    if (typeof value !== 'string') continue;
    const where = `dataset.${field}`;
    if ((options.files && Object.hasOwn(options.files, value)) || (options.artifacts && Object.hasOwn(options.artifacts, value))) continue;
    if (isAbsolute(value)) {
      issues.push({ path: where, message: `must be relative to the data directory, got ${JSON.stringify(value)}` });
      continue;
    }
    const full = resolve(root, value);
    if (!inside(root, full)) {
      issues.push({ path: where, message: `escapes the data directory: ${JSON.stringify(value)}` });
      continue;
    }
    let real: string;
    try {
      real = realpathSync(full);
    } catch {
      issues.push({ path: where, message: `no such file in the data directory: ${JSON.stringify(value)}` });
      continue;
    }
    if (!inside(root, real)) {
      issues.push({ path: where, message: `is a link that leads out of the data directory: ${JSON.stringify(value)}` });
      continue;
    }
    const st = statSync(real);
    if (!st.isFile()) issues.push({ path: where, message: `is not a regular file: ${JSON.stringify(value)}` });
    else if (st.size > max) issues.push({ path: where, message: `is ${st.size} bytes, more than the limit of ${max}` });
  }
  return issues;
}

/** The dataset spec with its (checked) relative paths made absolute under the data directory. */
export function resolveDataPaths<D extends DatasetSpec>(dataset: D, dataDir: string, files?: Readonly<Record<string, string>>): D {
  const out: Record<string, unknown> = { ...dataset };
  for (const field of PATH_FIELDS) {
    const value = out[field];
    if (typeof value === 'string') out[field] = files && Object.hasOwn(files, value) ? files[value] : resolve(dataDir, value);
  }
  return out as D;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' ? false : !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
}

/**
 * Loads a spec's dataset with its paths checked and resolved against the data directory: the
 * one way runners open data, so a worker refuses an escaping path even if the API let it by.
 */
export async function openDataset(dataset: DatasetSpec, options: DataDirOptions & { fresh?: boolean }): Promise<Dataset> {
  checkOrThrow(dataset, options);
  return loadDataset(resolveDataPaths(dataset, options.dataDir, options.files), { fresh: options.fresh });
}

/**
 * The source fingerprint of a spec's dataset as its files are now (see `sourceFingerprint`):
 * each file streamed through sha256, nothing parsed, so the API can bind an experiment to its
 * data at submission without loading it. Equals the `sourceFingerprint` of `openDataset` on the
 * same bytes.
 */
export async function fingerprintSource(dataset: DatasetSpec, options: DataDirOptions): Promise<string> {
  checkOrThrow(dataset, options);
  const resolved = resolveDataPaths(dataset, options.dataDir, options.files) as Partial<Record<DataPathField, string>>;
  const fileHashes: Partial<Record<DataPathField, string>> = {};
  for (const field of PATH_FIELDS) {
    const path = resolved[field];
    if (typeof path !== 'string') continue;
    const written = (dataset as Partial<Record<DataPathField, string>>)[field]!;
    if (options.artifacts && Object.hasOwn(options.artifacts, written)) {
      fileHashes[field] = options.artifacts[written];
      continue;
    }
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    fileHashes[field] = hash.digest('hex');
  }
  return sourceFingerprint(dataset, fileHashes);
}

function checkOrThrow(dataset: DatasetSpec, options: DataDirOptions): void {
  const issues = checkDataPaths(dataset, options);
  if (issues.length) throw new Error(issues.map((i) => `${i.path} ${i.message}`).join('; '));
}
