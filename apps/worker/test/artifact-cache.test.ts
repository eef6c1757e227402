import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readdir, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ArtifactStore, artifactKeys, connectRedis } from '@gridfold/queue';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactCache } from '../src/artifact-cache.js';

// Artifacts are a few hundred KB stored in 64 KiB chunks, so a fetch takes several reads from
// Redis and concurrent fetches overlap. Sizes and bounds are hand-chosen; hashes are node:crypto's.

const redis = connectRedis();
const prefix = `test-${randomUUID()}`;
const dirs: string[] = [];
afterAll(async () => {
  const [, found] = await redis.scan('0', 'MATCH', `${prefix}:*`, 'COUNT', 10_000);
  if (found.length) await redis.del(...found);
  redis.disconnect();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** The real store, counting the artifacts it opens (each open is one fetch from Redis). */
class CountingStore extends ArtifactStore {
  opens = 0;
  /** Milliseconds to wait before passing on each chunk read from Redis: a slow network. */
  delayMs = 0;
  override async open(sha: string) {
    this.opens++;
    const opened = await super.open(sha);
    const delayMs = this.delayMs;
    const slow = new Transform({ transform: (chunk, _enc, done) => void setTimeout(() => done(null, chunk), delayMs) });
    return delayMs ? { ...opened, stream: opened.stream.pipe(slow) } : opened;
  }
}

const newStore = () => new CountingStore(redis, prefix, { chunkBytes: 64 * 1024 });
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridfold-artifact-cache-'));
  dirs.push(dir);
  return dir;
};
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) % 253));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stored(n: number, seed: number): Promise<{ data: Buffer; sha: string }> {
  const data = bytes(n, seed);
  await newStore().put(data);
  return { data, sha: sha(data) };
}

describe('ArtifactCache', () => {
  it('fetches an artifact once, checks it, and answers later calls and processes from the file', async () => {
    const { data, sha: id } = await stored(300_000, 1);
    const dir = newDir();
    const store = newStore();
    const cache = new ArtifactCache(store, { dir });
    const [a, b] = await Promise.all([cache.path(id), cache.path(id)]);
    expect([a, b]).toEqual([join(dir, id), join(dir, id)]);
    expect(await readFile(a)).toEqual(data);
    await cache.path(id);
    expect(store.opens).toBe(1);
    // Another process on the host: hashes the file it finds instead of fetching.
    const other = newStore();
    expect(await new ArtifactCache(other, { dir }).path(id)).toBe(a);
    expect(other.opens).toBe(0);
  });

  it('serves two caches fetching one artifact at once (as two processes would) a whole file, and leaves no temporary file', async () => {
    const { data, sha: id } = await stored(400_000, 2);
    const dir = newDir();
    const stores = [newStore(), newStore()];
    // 7 chunks 30 ms apart: while they arrive, only a temporary file shows, not the artifact's name.
    stores[0].delayMs = 30;
    const slow = new ArtifactCache(stores[0], { dir }).path(id);
    let listing: string[] = [];
    for (let i = 0; i < 500 && !listing.length; i++) listing = await readdir(dir);
    expect(listing).toEqual([expect.stringMatching(new RegExp(`^\\.tmp-${id}-`))]);
    // The second finishes first; the first then renames the same bytes over its file.
    const paths = await Promise.all([slow, new ArtifactCache(stores[1], { dir }).path(id)]);
    expect(stores.map((s) => s.opens)).toEqual([1, 1]);
    expect(paths).toEqual([join(dir, id), join(dir, id)]);
    expect(await readFile(paths[0])).toEqual(data);
    expect(await readdir(dir)).toEqual([id]);
  });

  it('is safe with several real processes on one host fetching one artifact at once', async () => {
    const { data, sha: id } = await stored(500_000, 3);
    const dir = newDir();
    const script = fileURLToPath(new URL('./fixtures/fetch-artifact.ts', import.meta.url));
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const runs = await Promise.all(
      [1, 2].map(() => promisify(execFile)(process.execPath, ['--import', 'tsx', script, redisUrl, prefix, dir, id], { cwd: root, timeout: 60_000 })),
    );
    expect(runs.map((r) => r.stdout)).toEqual(Array(2).fill(`${join(dir, id)}\n`));
    expect(await readFile(join(dir, id))).toEqual(data);
    expect(await readdir(dir)).toEqual([id]);
  });

  it('finds a corrupted cache file (in a later process, or truncated under this one) and fetches the artifact again', async () => {
    const { data, sha: id } = await stored(200_000, 4);
    const dir = newDir();
    const file = await new ArtifactCache(newStore(), { dir }).path(id);
    const garbage = Buffer.alloc(data.length, 0xff);
    await writeFile(file, garbage);
    const later = newStore();
    const cache = new ArtifactCache(later, { dir });
    expect(await cache.path(id)).toBe(file);
    expect(await readFile(file)).toEqual(data);
    expect(later.opens).toBe(1);
    await truncate(file, 1000);
    await cache.path(id);
    expect(await readFile(file)).toEqual(data);
    expect(later.opens).toBe(2);
  });

  it('refuses bytes from Redis that do not hash to their name, and keeps nothing of them', async () => {
    const { sha: id } = await stored(150_000, 5);
    await redis.hset(artifactKeys(prefix).chunks(id), '1', Buffer.alloc(64 * 1024, 0));
    const dir = newDir();
    await expect(new ArtifactCache(newStore(), { dir }).path(id)).rejects.toThrow(new RegExp(`^artifact ${id} read from Redis hashes to [0-9a-f]{64} \\(150000 bytes stated\\); not cached$`));
    expect(await readdir(dir)).toEqual([]);
  });

  it('names an artifact it cannot have', async () => {
    const cache = new ArtifactCache(newStore(), { dir: newDir() });
    const missing = sha(Buffer.from('never stored'));
    await expect(cache.path(missing)).rejects.toMatchObject({ code: 'not-found', message: `no artifact ${missing}` });
    await expect(cache.path('../../etc/passwd')).rejects.toMatchObject({ code: 'bad-sha256', message: 'sha256 must be 64 lowercase hex digits, got "../../etc/passwd"' });
  });

  it('evicts the least recently accessed artifacts past its bound, never the one it just fetched', async () => {
    const [a, b, c] = await Promise.all([stored(100_000, 6), stored(100_000, 7), stored(100_000, 8)]);
    const dir = newDir();
    const cache = new ArtifactCache(newStore(), { dir, maxBytes: 250_000 });
    // Access times are set per call; the pauses keep them apart.
    for (const id of [a.sha, b.sha, a.sha, c.sha]) await cache.path(id), await sleep(20);
    expect((await readdir(dir)).sort()).toEqual([a.sha, c.sha].sort());
    await cache.path(b.sha);
    expect((await readdir(dir)).sort()).toEqual([b.sha, c.sha].sort());

    const small = newDir();
    await new ArtifactCache(newStore(), { dir: small, maxBytes: 150_000 }).path(a.sha);
    await new ArtifactCache(newStore(), { dir: small, maxBytes: 50_000 }).path(b.sha);
    // Larger than the bound on its own: kept (a worker needs it), and alone.
    expect(await readdir(small)).toEqual([b.sha]);
  });

  it('removes temporary files that a crashed fetch left, once they are stale', async () => {
    const { sha: id } = await stored(10_000, 9);
    const dir = newDir();
    await new ArtifactCache(newStore(), { dir }).path(sha(Buffer.from('warm-up'))).catch(() => {});
    const stale = join(dir, `.tmp-${id}-1-stale`);
    const fresh = join(dir, `.tmp-${id}-2-fresh`);
    await writeFile(stale, 'partial');
    await writeFile(fresh, 'in progress');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(stale, hourAgo, hourAgo);
    await new ArtifactCache(newStore(), { dir }).path(id);
    expect((await readdir(dir)).sort()).toEqual([`.tmp-${id}-2-fresh`, id].sort());
    expect((await stat(fresh)).size).toBe(11);
  });
});
