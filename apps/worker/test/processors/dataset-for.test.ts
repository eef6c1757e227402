import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintSource, type Dataset, type DatasetSpec } from '@gridfold/core';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSandboxConfig, SANDBOX_CONFIG_VAR } from '../../src/sandbox-config.js';

// datasetFor in a sandboxed processor, on a CSV in a data directory of its own: the data a run is
// bound to (its fingerprint) is found once per process, and a run bound to other data never gets it.
// No Redis: files outside artifacts come from the data directory alone.
const dataDir = mkdtempSync(join(tmpdir(), 'gridfold-dataset-for-'));
process.env[SANDBOX_CONFIG_VAR] = encodeSandboxConfig({ redisUrl: 'redis://127.0.0.1:1', dataDir });
const { datasetFor } = await import('../../src/processors/context.js');

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** A 4-row CSV whose labels are `labels`; each test its own file, so core's loaded-dataset cache is not shared between them. */
function writeCsv(name: string, labels: number[]): void {
  writeFileSync(join(dataDir, name), 'x,y\n' + labels.map((y, i) => `${i},${y}`).join('\n') + '\n');
}
const planOf = (name: string) => ({ dataset: { source: 'csv', train: name, label: 'y' } as DatasetSpec, artifacts: {} });
const fingerprintOf = (name: string) => fingerprintSource(planOf(name).dataset, { dataDir });
// A multiclass CSV's labels are an Int32Array.
const labelsOf = (data: Dataset) => (data.train.y instanceof Int32Array ? Array.from(data.train.y) : null);

describe('datasetFor', () => {
  it('reads the files a run is bound to once: its next tasks reuse them, even with the file gone', async () => {
    writeCsv('once.csv', [0, 1, 0, 1]);
    const bound = await fingerprintOf('once.csv');
    const first = await datasetFor(planOf('once.csv'), 'p', bound);
    unlinkSync(join(dataDir, 'once.csv'));
    expect(await datasetFor(planOf('once.csv'), 'p', bound)).toBe(first);
  });

  it('gives a run bound to changed files (a retry) the new data, not the copy an earlier run used', async () => {
    writeCsv('retry.csv', [0, 1, 0, 1]);
    const before = await fingerprintOf('retry.csv');
    expect(labelsOf(await datasetFor(planOf('retry.csv'), 'p', before))).toEqual([0, 1, 0, 1]);
    writeCsv('retry.csv', [1, 1, 0, 0]);
    const after = await fingerprintOf('retry.csv');
    const retried = await datasetFor(planOf('retry.csv'), 'p', after);
    expect(retried.sourceFingerprint).toBe(after);
    expect(labelsOf(retried)).toEqual([1, 1, 0, 0]);
  });

  it('refuses files that are not the ones the run is bound to, and does not keep the refusal', async () => {
    writeCsv('refused.csv', [0, 1, 0, 1]);
    const bound = await fingerprintOf('refused.csv');
    writeCsv('refused.csv', [0, 0, 0, 1]);
    await expect(datasetFor(planOf('refused.csv'), 'p', bound)).rejects.toThrow("the dataset's files changed after the experiment was bound to them");
    // The files put back as the run was bound to them: its tasks go on.
    writeCsv('refused.csv', [0, 1, 0, 1]);
    expect(labelsOf(await datasetFor(planOf('refused.csv'), 'p', bound))).toEqual([0, 1, 0, 1]);
  });
});
