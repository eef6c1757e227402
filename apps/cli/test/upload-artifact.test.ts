import { ApiError } from '../src/api-client.js';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactStore } from '@gridfold/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadArtifact } from '../src/upload-artifact.js';
import { startTestApi, type TestApi } from './helpers/test-api.js';

// A real API on a spare port with small, hand-chosen bounds: 64 KiB per artifact, 96 KiB in all.
const TOKEN = 's3cret';
const dir = mkdtempSync(join(tmpdir(), 'gridfold-upload-'));
const file = (name: string, data: Buffer) => (writeFileSync(join(dir, name), data), join(dir, name));
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ token: TOKEN, artifacts: { chunkBytes: 16 * 1024, maxArtifactBytes: 64 * 1024, maxTotalBytes: 96 * 1024 } });
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('uploadArtifact', () => {
  it('hashes a file and streams it up once; a second call only asks (HEAD) and sends nothing', async () => {
    const data = Buffer.alloc(50_000, 3);
    const path = file('plugin.js', data);
    expect(await uploadArtifact(t.url, TOKEN, path)).toEqual({ sha256: sha(data), size: 50_000, uploaded: true });
    expect(t.requests.splice(0)).toEqual([`HEAD /api/artifacts/${sha(data)}`, 'POST /api/artifacts']);
    expect(await new ArtifactStore(t.redis, t.prefix).stat(sha(data))).toMatchObject({ size: 50_000, name: 'plugin.js', chunks: 4 });
    expect(await uploadArtifact(t.url, TOKEN, path)).toEqual({ sha256: sha(data), size: 50_000, uploaded: false });
    expect(t.requests.splice(0)).toEqual([`HEAD /api/artifacts/${sha(data)}`]);
  });

  it("passes on the API's refusals: over the cap (413) and past the total bound (507)", async () => {
    const big = file('big.bin', Buffer.alloc(32 * 1024 * 1024, 1));
    await expect(uploadArtifact(t.url, TOKEN, big)).rejects.toThrow(
      new ApiError(`POST /api/artifacts: 413 artifact of ${32 * 1024 * 1024} bytes is larger than the largest allowed, 65536 bytes (GRIDFOLD_ARTIFACT_UPLOAD_MAX_BYTES)`, 413),
    );
    const more = file('more.bin', Buffer.alloc(60_000, 4));
    await expect(uploadArtifact(t.url, TOKEN, more)).rejects.toThrow(
      new ApiError('POST /api/artifacts: 507 artifact store is full: it holds 50000 of its 98304 bytes (GRIDFOLD_ARTIFACTS_MAX_BYTES) and this upload needs 60000; delete artifacts no experiment uses (gridfold artifacts rm)', 507),
    );
  });

  it('names a file it cannot read, and a wrong token', async () => {
    const missing = join(dir, 'missing.js');
    await expect(uploadArtifact(t.url, TOKEN, missing)).rejects.toThrow(new Error(`cannot read artifact file ${missing}: ENOENT`));
    const data = Buffer.from('x');
    await expect(uploadArtifact(t.url, 'wrong', file('x.js', data))).rejects.toThrow(new ApiError(`HEAD /api/artifacts/${sha(data)}: 401 Unauthorized`, 401));
  });
});
