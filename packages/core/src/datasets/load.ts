import { createHash } from 'node:crypto';
import { Matrix, type Target } from '../matrix.js';
import { readFile } from 'node:fs/promises';
import { parseCsv } from './csv.js';
import { DatasetFormatError, idxImages, idxLabels, parseIdx } from './idx.js';
import { listNames } from './labels.js';
import { hashBytes, sourceFingerprint, type DataPathField } from './source-fingerprint.js';
import { decodeTextFile } from './text-file.js';
import { loadMnist } from './mnist.js';
import { addSeededNoise, binaryTarget, multilabelTarget, type TargetSpec } from './targets.js';

/** Where the data comes from. Paths are resolved by the caller (see `resolveDataPath`). */
export type SourceSpec =
  | { source: 'mnist' }
  | { source: 'csv'; train: string; test?: string; label: string }
  | { source: 'idx'; train_images: string; train_labels: string; test_images?: string; test_labels?: string };

export type DatasetSpec = SourceSpec & { target?: TargetSpec };

/** Features and target of one split. */
export interface Split {
  X: Matrix;
  y: Target;
}

/** A dataset ready for learning: training split, optional held-out test split, and its fingerprint. */
export interface Dataset {
  train: Split;
  test?: Split;
  target: TargetSpec;
  /**
   * What the class codes in `y` stand for, when the labels were text: `classes[k]` is class
   * `k`'s name (LabelEncoder's order). Absent when the labels are their own names (integers),
   * for a binary target (0 and 1, whatever the labels) and for denoising.
   */
  classes?: string[];
  /** sha256 of features, raw labels, class names and target definition: names the data in task cache keys. */
  fingerprint: string;
  /** The spec and the bytes of its files as read and parsed here (see `sourceFingerprint`): what an experiment is bound to. */
  sourceFingerprint: string;
}

const cache = new Map<string, Promise<Dataset>>();

/** Datasets a process keeps loaded, the most recently used; a long-lived worker serves any number of experiments' files. */
export const MAX_LOADED_DATASETS = 4;

/**
 * Loads a dataset and builds its target, once per process per spec while it is among the
 * {@link MAX_LOADED_DATASETS} most recently used: every task in a worker shares the same arrays
 * (a 60,000-image MNIST is ~47 MB as bytes). `fresh` reads the files again (they may have
 * changed since) and keeps that copy instead.
 */
export function loadDataset(spec: DatasetSpec, options: { fresh?: boolean } = {}): Promise<Dataset> {
  const key = JSON.stringify(spec);
  let loaded = options.fresh ? undefined : cache.get(key);
  if (!loaded) {
    loaded = build(spec);
    loaded.catch(() => cache.get(key) === loaded && cache.delete(key));
  }
  // Most recently used last; the oldest go past the bound (a task holding one keeps its arrays alive).
  cache.delete(key);
  cache.set(key, loaded);
  while (cache.size > MAX_LOADED_DATASETS) cache.delete(cache.keys().next().value!);
  return loaded;
}

/** How many datasets this process keeps loaded now (for tests). */
export function loadedDatasets(): number {
  return cache.size;
}

async function build(spec: DatasetSpec): Promise<Dataset> {
  const raw = await readSource(spec);
  const source = sourceFingerprint(spec, raw.fileHashes);
  const target = spec.target ?? { kind: 'multiclass' };
  const hash = createHash('sha256').update(JSON.stringify(target));
  // Codes alone do not say which name each stands for; integer labels hash as they always did.
  if (raw.classes) hash.update(JSON.stringify(raw.classes));
  for (const part of [raw.train, raw.test]) {
    if (!part) continue;
    hash.update(new Uint8Array(part.X.data.buffer, part.X.data.byteOffset, part.X.data.byteLength));
    hash.update(new Uint8Array(part.y.buffer, part.y.byteOffset, part.y.byteLength));
  }
  const fingerprint = hash.digest('hex');
  switch (target.kind) {
    case 'multiclass':
      return { train: raw.train, test: raw.test, target, ...(raw.classes && { classes: raw.classes }), fingerprint, sourceFingerprint: source };
    case 'binary': {
      const positive = positiveCode(target.positive, raw);
      const bin = (s: RawSplit): Split => ({ X: s.X, y: binaryTarget(s.y, positive) });
      return { train: bin(raw.train), test: raw.test && bin(raw.test), target, fingerprint, sourceFingerprint: source };
    }
    case 'multilabel': {
      if (raw.classes) throw new DatasetFormatError(`dataset.target "multilabel" (${target.labels.join(', ')}) is a rule on integer labels, but the labels of ${raw.labelsFrom} are names`);
      const ml = (s: RawSplit): Split => ({ X: s.X, y: multilabelTarget(s.y, target.labels) });
      return { train: ml(raw.train), test: raw.test && ml(raw.test), target, fingerprint, sourceFingerprint: source };
    }
    case 'denoise': {
      const noisy = addSeededNoise(raw.train.X, raw.test?.X, target.noise, target.seed);
      return {
        train: { X: noisy.train, y: raw.train.X },
        test: raw.test && noisy.test ? { X: noisy.test, y: raw.test.X } : undefined,
        target,
        fingerprint,
        sourceFingerprint: source,
      };
    }
  }
}

/**
 * A binary target's positive class as `y` encodes it: an integer label as it is, a class name
 * as its index. A name for integer labels, a number for names, or a name the training labels
 * lack is an error (a positive class that never occurs would make every row negative).
 */
function positiveCode(positive: number | string, raw: RawSource): number {
  const what = `dataset.target.positive ${JSON.stringify(positive)}`;
  if (!raw.classes) {
    if (typeof positive === 'number') return positive;
    throw new DatasetFormatError(`${what} is a class name, but the labels of ${raw.labelsFrom} are integers: give the integer`);
  }
  const k = typeof positive === 'string' ? raw.classes.indexOf(positive) : -1;
  if (k >= 0) return k;
  const hint = typeof positive === 'number' ? `; the labels are names, so write "${positive}"` : '';
  throw new DatasetFormatError(`${what} is not a class of ${raw.labelsFrom} (its classes: ${listNames(raw.classes)})${hint}`);
}

interface RawSplit {
  X: Matrix;
  y: Int32Array;
}

/** The splits as read, the class names of text labels, and where the labels came from (for messages). */
interface RawSource {
  train: RawSplit;
  test?: RawSplit;
  classes?: string[];
  labelsFrom: string;
  /** sha256 of each file's bytes, by its spec field. */
  fileHashes: Partial<Record<DataPathField, string>>;
}

async function readSource(spec: SourceSpec): Promise<RawSource> {
  // Each file is read once, and the bytes hashed are the bytes parsed: a file rewritten
  // meanwhile cannot give data of one version with the fingerprint of another.
  const fileHashes: Partial<Record<DataPathField, string>> = {};
  const read = async (field: DataPathField, path: string) => {
    const bytes = await readFile(path);
    fileHashes[field] = hashBytes(bytes);
    return bytes;
  };
  switch (spec.source) {
    case 'mnist':
      return { ...(await loadMnist()), labelsFrom: 'MNIST', fileHashes };
    case 'csv': {
      const csv = async (field: DataPathField, path: string) => decodeTextFile(await read(field, path), path);
      const train = parseCsv(await csv('train', spec.train), spec.train, spec.label);
      const test = spec.test ? parseCsv(await csv('test', spec.test), spec.test, spec.label, { path: spec.train, classes: train.classes }) : undefined;
      if (test && test.columns.join('\u0000') !== train.columns.join('\u0000')) {
        throw new Error(`${spec.test}: columns differ from the training file ${spec.train}`);
      }
      return { train, test, classes: train.classes, labelsFrom: `the training file ${spec.train}`, fileHashes };
    }
    case 'idx': {
      const split = async (images: [DataPathField, string], labels: [DataPathField, string]): Promise<RawSplit> => {
        const [imageBytes, labelBytes] = await Promise.all([read(...images), read(...labels)]);
        const X = idxImages(parseIdx(new Uint8Array(imageBytes), images[1]));
        const y = idxLabels(parseIdx(new Uint8Array(labelBytes), labels[1]), labels[1]);
        if (X.rows !== y.length) throw new Error(`${images[1]} has ${X.rows} images but ${labels[1]} has ${y.length} labels`);
        return { X, y };
      };
      const train = await split(['train_images', spec.train_images], ['train_labels', spec.train_labels]);
      const test = spec.test_images && spec.test_labels ? await split(['test_images', spec.test_images], ['test_labels', spec.test_labels]) : undefined;
      return { train, test, labelsFrom: spec.train_labels, fileHashes };
    }
  }
}

/** The first `n` rows of a split (views, no copy); `undefined` keeps all rows. */
export function headSplit(split: Split, n: number | null | undefined): Split {
  if (n == null || n >= split.X.rows) return split;
  const y = split.y instanceof Matrix ? split.y.head(n) : split.y.subarray(0, n);
  return { X: split.X.head(n), y };
}
