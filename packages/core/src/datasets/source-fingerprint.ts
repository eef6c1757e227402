import { createHash } from 'node:crypto';
import { digest } from '../cache/cache-store.js';
import type { DatasetSpec } from './load.js';

/** The fields of a dataset spec that name files (relative to the data directory). */
export const DATA_PATH_FIELDS = ['train', 'test', 'train_images', 'train_labels', 'test_images', 'test_labels'] as const;

/** A dataset spec field that names a file. */
export type DataPathField = (typeof DATA_PATH_FIELDS)[number];

/** sha256 of bytes, hex. */
export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * What an experiment is bound to: sha256 over the dataset spec without its paths (where the
 * files are is not what they hold: another host's data directory may differ) and the sha256
 * of each file's bytes, by the field that names it. The API computes it from the files at
 * submission (`fingerprintSource`) and a worker from the very bytes it parses
 * (`Dataset.sourceFingerprint`), so a task can refuse data other than its experiment's.
 * MNIST has no files here: it ships with the code, and its fingerprint covers the spec only.
 */
export function sourceFingerprint(dataset: DatasetSpec, fileHashes: Partial<Record<DataPathField, string>>): string {
  const described: Record<string, unknown> = { ...dataset };
  for (const field of DATA_PATH_FIELDS) delete described[field];
  return digest({ dataset: described, files: fileHashes });
}
