import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Matrix, type Target } from '../matrix.js';
import { parseCsv } from './csv.js';
import { idxImages, idxLabels, parseIdx } from './idx.js';
import { loadMnist } from './mnist.js';
import { hashBytes, sourceFingerprint, type DataPathField } from './source-fingerprint.js';
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
  /** sha256 of features, raw labels and target definition: names the data in task cache keys. */
  fingerprint: string;
  /** The spec and the bytes of its files as read and parsed here (see `sourceFingerprint`): what an experiment is bound to. */
  sourceFingerprint: string;
}

const cache = new Map<string, Promise<Dataset>>();

/**
 * Loads a dataset and builds its target, once per process per spec: every task in a worker
 * shares the same arrays (a 60,000-image MNIST is ~47 MB as bytes). `fresh` reads the files
 * again (they may have changed since) and keeps that copy instead.
 */
export function loadDataset(spec: DatasetSpec, options: { fresh?: boolean } = {}): Promise<Dataset> {
  const key = JSON.stringify(spec);
  let loaded = options.fresh ? undefined : cache.get(key);
  if (!loaded) {
    loaded = build(spec);
    cache.set(key, loaded);
    loaded.catch(() => cache.delete(key));
  }
  return loaded;
}

async function build(spec: DatasetSpec): Promise<Dataset> {
  const raw = await readSource(spec);
  const source = sourceFingerprint(spec, raw.fileHashes);
  const target = spec.target ?? { kind: 'multiclass' };
  const hash = createHash('sha256').update(JSON.stringify(target));
  for (const part of [raw.train, raw.test]) {
    if (!part) continue;
    hash.update(new Uint8Array(part.X.data.buffer, part.X.data.byteOffset, part.X.data.byteLength));
    hash.update(new Uint8Array(part.y.buffer, part.y.byteOffset, part.y.byteLength));
  }
  const fingerprint = hash.digest('hex');
  switch (target.kind) {
    case 'multiclass':
      return { train: raw.train, test: raw.test, target, fingerprint, sourceFingerprint: source };
    case 'binary': {
      const bin = (s: RawSplit): Split => ({ X: s.X, y: binaryTarget(s.y, target.positive) });
      return { train: bin(raw.train), test: raw.test && bin(raw.test), target, fingerprint, sourceFingerprint: source };
    }
    case 'multilabel': {
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

interface RawSplit {
  X: Matrix;
  y: Int32Array;
}

async function readSource(spec: SourceSpec): Promise<{ train: RawSplit; test?: RawSplit; fileHashes: Partial<Record<DataPathField, string>> }> {
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
      return { ...(await loadMnist()), fileHashes };
    case 'csv': {
      const train = parseCsv((await read('train', spec.train)).toString('utf8'), spec.train, spec.label);
      const test = spec.test ? parseCsv((await read('test', spec.test)).toString('utf8'), spec.test, spec.label) : undefined;
      if (test && test.columns.join('\u0000') !== train.columns.join('\u0000')) {
        throw new Error(`${spec.test}: columns differ from the training file ${spec.train}`);
      }
      return { train, test, fileHashes };
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
      return { train, test, fileHashes };
    }
  }
}

/** The first `n` rows of a split (views, no copy); `undefined` keeps all rows. */
export function headSplit(split: Split, n: number | null | undefined): Split {
  if (n == null || n >= split.X.rows) return split;
  const y = split.y instanceof Matrix ? split.y.head(n) : split.y.subarray(0, n);
  return { X: split.X.head(n), y };
}
