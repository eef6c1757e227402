import { createHash, randomUUID } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { checkSpec } from '@gridfold/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ArtifactError } from '../src/artifact-error.js';
import { ArtifactStore, type ArtifactStoreOptions } from '../src/artifacts.js';
import { connectRedis } from '../src/connection.js';
import { artifactKeys } from '../src/names.js';
import { ExperimentStore } from '../src/store.js';

// Sizes here are hand-chosen: 4-byte chunks so a 10-byte artifact takes 3 chunks (4 + 4 + 2),
// bounds of a few bytes so a second artifact does not fit. The sha256 values are node:crypto's.

const redis = connectRedis();
const prefixes: string[] = [];
afterAll(() => redis.disconnect());
afterEach(async () => {
  for (const prefix of prefixes.splice(0)) {
    const found = await keysUnder(prefix);
    if (found.length) await redis.del(...found);
  }
});

function storeWith(options: ArtifactStoreOptions = {}): { store: ArtifactStore; prefix: string } {
  const prefix = `test-${randomUUID()}`;
  prefixes.push(prefix);
  return { store: new ArtifactStore(redis, prefix, { chunkBytes: 4, ...options }), prefix };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const TEN = Buffer.from('0123456789');
const SHA_TEN = sha(TEN);

function refusal(code: ArtifactError['code'], message: string | RegExp) {
  return expect.objectContaining({ name: 'ArtifactError', code, message: typeof message === 'string' ? message : expect.stringMatching(message) });
}

describe('ArtifactStore: storing', () => {
  it('stores the bytes in chunks under their sha256, with meta, and reads them back', async () => {
    const { store, prefix } = storeWith();
    const { meta, created } = await store.put([Buffer.from('0123'), Buffer.from('456'), Buffer.from('789')], { sha256: SHA_TEN, mediaType: 'text/plain', name: 'digits.txt' });
    expect(created).toBe(true);
    expect(meta).toEqual({ sha256: SHA_TEN, size: 10, chunks: 3, chunk_bytes: 4, media_type: 'text/plain', name: 'digits.txt', created_at: expect.any(Number) });
    expect(await store.stat(SHA_TEN)).toEqual(meta);
    const k = artifactKeys(prefix);
    // Writes of 4 + 3 + 3 bytes are re-cut into chunks of 4, 4 and 2.
    expect(await redis.hgetallBuffer(k.chunks(SHA_TEN))).toEqual({ 0: Buffer.from('0123'), 1: Buffer.from('4567'), 2: Buffer.from('89') });
    const { stream } = await store.open(SHA_TEN);
    expect(await buffer(stream)).toEqual(TEN);
    expect(await store.totalBytes()).toBe(10);
    expect(await keysUnder(prefix)).toEqual([k.index, k.bytes, k.meta(SHA_TEN), k.chunks(SHA_TEN)].sort());
  });

  it('names an artifact by its hash when no sha256 is stated, and stores an empty one', async () => {
    const { store } = storeWith();
    expect((await store.put(TEN)).meta.sha256).toBe(SHA_TEN);
    const empty = await store.put(Buffer.alloc(0));
    expect(empty.meta).toMatchObject({ sha256: sha(Buffer.alloc(0)), size: 0, chunks: 0 });
    expect(await buffer((await store.open(empty.meta.sha256)).stream)).toEqual(Buffer.alloc(0));
  });

  it('stores the same bytes once: a second upload commits nothing and holds nothing', async () => {
    const { store, prefix } = storeWith();
    await store.put(TEN);
    const before = await keysUnder(prefix);
    const again = await store.put(TEN, { name: 'other-name' });
    expect(again.created).toBe(false);
    expect((await store.stat(SHA_TEN))?.name).toBeNull();
    expect(await store.totalBytes()).toBe(10);
    expect(await keysUnder(prefix)).toEqual(before);
  });

  it('refuses bytes whose sha256 is not the stated one, and leaves nothing behind', async () => {
    const { store, prefix } = storeWith();
    const stated = sha(Buffer.from('something else'));
    await expect(store.put(TEN, { sha256: stated })).rejects.toEqual(refusal('hash-mismatch', `sha256 of the uploaded bytes is ${SHA_TEN}, not the stated ${stated}`));
    expect(await store.stat(SHA_TEN)).toBeNull();
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('refuses a name that is not 64 lowercase hex digits, naming it', async () => {
    const { store } = storeWith();
    const bad = SHA_TEN.toUpperCase();
    const message = `sha256 must be 64 lowercase hex digits, got "${bad}"`;
    await expect(store.stat(bad)).rejects.toEqual(refusal('bad-sha256', message));
    await expect(store.begin({ sha256: bad })).rejects.toEqual(refusal('bad-sha256', message));
    await expect(store.use('../etc', 'e1')).rejects.toEqual(refusal('bad-sha256', 'sha256 must be 64 lowercase hex digits, got "../etc"'));
  });
});

describe('ArtifactStore: bounds', () => {
  it('refuses one artifact over the per-artifact cap, stated or found while writing, and leaves nothing behind', async () => {
    const { store, prefix } = storeWith({ maxArtifactBytes: 9 });
    await expect(store.begin({ size: 10 })).rejects.toEqual(refusal('too-large', 'artifact of 10 bytes is larger than the largest allowed, 9 bytes (GRIDFOLD_ARTIFACT_UPLOAD_MAX_BYTES)'));
    const upload = await store.begin();
    await upload.write(Buffer.from('01234567'));
    await expect(upload.write(Buffer.from('89'))).rejects.toEqual(refusal('too-large', 'artifact is larger than the largest allowed, 9 bytes (GRIDFOLD_ARTIFACT_UPLOAD_MAX_BYTES)'));
    expect(await keysUnder(prefix)).toEqual([]);
  });

  it('keeps all artifacts under the total bound, counting uploads in progress, and frees the bytes of a delete', async () => {
    const { store, prefix } = storeWith({ maxTotalBytes: 16 });
    await store.put(TEN);
    const full = /^artifact store is full: it holds 10 of its 16 bytes \(GRIDFOLD_ARTIFACTS_MAX_BYTES\) and this upload needs (7|8); delete artifacts/;
    await expect(store.begin({ size: 7 })).rejects.toEqual(refusal('store-full', full));
    // Unstated sizes are caught as chunks are stored: 4 fit, the second chunk (8 bytes in all) does not.
    await expect(store.put(Buffer.from('abcdefgh'))).rejects.toEqual(refusal('store-full', full));
    expect(await keysUnder(prefix)).toEqual(expect.not.arrayContaining([expect.stringContaining('artifact-upload')]));
    const open = await store.begin({ size: 6 });
    await expect(store.begin({ size: 1 })).rejects.toEqual(refusal('store-full', 'artifact store is full: it holds 16 of its 16 bytes (GRIDFOLD_ARTIFACTS_MAX_BYTES) and this upload needs 1; delete artifacts no experiment uses (gridfold artifacts rm)'));
    await open.abort();
    await store.delete(SHA_TEN);
    expect(await store.totalBytes()).toBe(0);
    expect((await store.put(Buffer.alloc(16, 1))).meta.size).toBe(16);
  });

  it('forgets an upload that went silent: its chunks expire and its bytes are free again', async () => {
    const { store, prefix } = storeWith({ maxTotalBytes: 8, uploadTtlMs: 300 });
    const silent = await store.begin({ size: 8 });
    await silent.write(Buffer.from('0123'));
    expect(await redis.pttl(artifactKeys(prefix).upload(silent.id))).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 600));
    expect((await store.put(Buffer.from('abcdefgh'))).created).toBe(true);
    await expect(silent.commit()).rejects.toEqual(refusal('upload-expired', `artifact upload ${silent.id} was silent for more than 300 ms and was dropped; upload again`));
    expect(await store.totalBytes()).toBe(8);
    expect(await keysUnder(prefix)).toEqual(expect.not.arrayContaining([expect.stringContaining('artifact-upload')]));
  });
});

describe('ArtifactStore: atomic uploads', () => {
  it('shows nothing of an upload until it commits, and nothing after an abort', async () => {
    const { store, prefix } = storeWith();
    const upload = await store.begin({ sha256: SHA_TEN });
    await upload.write(Buffer.from('012345678'));
    expect(await redis.hlen(artifactKeys(prefix).upload(upload.id))).toBe(2);
    expect(await store.stat(SHA_TEN)).toBeNull();
    expect(await store.list()).toEqual([]);
    await expect(store.open(SHA_TEN)).rejects.toEqual(refusal('not-found', `no artifact ${SHA_TEN}`));
    await upload.abort();
    await upload.abort();
    expect(await keysUnder(prefix)).toEqual([]);

    const second = await store.begin({ sha256: SHA_TEN });
    await second.write(TEN);
    await second.commit();
    expect(await buffer((await store.open(SHA_TEN)).stream)).toEqual(TEN);
    expect(await redis.pttl(artifactKeys(prefix).chunks(SHA_TEN))).toBe(-1);
  });

  it('fails a read of an artifact deleted under it instead of returning part of it', async () => {
    const { store } = storeWith();
    await store.put(TEN);
    const { stream } = await store.open(SHA_TEN);
    await store.delete(SHA_TEN);
    await expect(buffer(stream)).rejects.toEqual(refusal('not-found', `artifact ${SHA_TEN} was deleted while being read (chunk 0 of 3 is gone)`));
  });
});

describe('ArtifactStore: experiments that use an artifact, and the delete rule', () => {
  const spec = checkSpec({ name: 'uses', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' } });

  it('lists artifacts newest first with sizes and the experiments using each', async () => {
    const { store } = storeWith();
    const other = Buffer.from('other');
    await store.put(TEN);
    await new Promise((r) => setTimeout(r, 5));
    await store.put(other, { name: 'other.bin' });
    await store.use(SHA_TEN, 'exp-b');
    await store.use(SHA_TEN, 'exp-a');
    await store.use(SHA_TEN, 'exp-a');
    const listed = await store.list();
    expect(listed.map((a) => [a.sha256, a.size, a.name, a.experiments])).toEqual([
      [sha(other), 5, 'other.bin', []],
      [SHA_TEN, 10, null, ['exp-a', 'exp-b']],
    ]);
    await store.release(SHA_TEN, 'exp-b');
    await store.release(SHA_TEN, 'never-used');
    expect((await store.list())[1].experiments).toEqual(['exp-a']);
  });

  it('refuses to record a use of an artifact it does not have', async () => {
    const { store } = storeWith();
    await expect(store.use(SHA_TEN, 'e1')).rejects.toEqual(refusal('not-found', `no artifact ${SHA_TEN}`));
    await expect(store.delete(SHA_TEN)).rejects.toEqual(refusal('not-found', `no artifact ${SHA_TEN}`));
  });

  it('refuses a delete while a queued or running experiment uses it; ended or purged ones do not hold it', async () => {
    const { store, prefix } = storeWith();
    const experiments = new ExperimentStore(redis, prefix);
    await store.put(TEN);
    await experiments.create('queued', spec);
    await experiments.create('running', spec);
    await experiments.beginTask('running', 0, 'w1', { generation: 0, fingerprint: '' });
    await experiments.create('done', spec);
    await experiments.finish('done', 'completed');
    for (const id of ['queued', 'running', 'done', 'purged']) await store.use(SHA_TEN, id);

    const refused = store.delete(SHA_TEN);
    await expect(refused).rejects.toEqual(refusal('in-use', `artifact ${SHA_TEN} is used by experiments that have not ended: queued, running`));
    await expect(refused).rejects.toMatchObject({ experiments: ['queued', 'running'] });
    await experiments.finish('queued', 'cancelled');
    await store.release(SHA_TEN, 'running');
    await store.delete(SHA_TEN);
    expect(await store.stat(SHA_TEN)).toBeNull();
    expect(await keysUnder(prefix)).toEqual(expect.not.arrayContaining([expect.stringContaining(SHA_TEN)]));
  });

  it('looks again when an experiment starts using the artifact while a delete checks the others', async () => {
    let store: ArtifactStore;
    const checked: string[] = [];
    ({ store } = storeWith({
      isActive: async (id) => {
        checked.push(id);
        if (id === 'old') await store.use(SHA_TEN, 'new');
        return id === 'new';
      },
    }));
    await store.put(TEN);
    await store.use(SHA_TEN, 'old');
    await expect(store.delete(SHA_TEN)).rejects.toEqual(refusal('in-use', `artifact ${SHA_TEN} is used by experiments that have not ended: new`));
    // First the one user there was; then, looking again, both (a set: in no fixed order).
    expect(checked[0]).toBe('old');
    expect(checked.slice(1).sort()).toEqual(['new', 'old']);
    expect(await store.stat(SHA_TEN)).not.toBeNull();
  });
});
