import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkSha256, LruMap, SHA256_HEX, type ArtifactStore } from '@gridfold/queue';
import type { Logger } from 'pino';

/** Where and how much an {@link ArtifactCache} keeps. */
export interface ArtifactCacheOptions {
  /** The cache directory (the config's `GRIDFOLD_ARTIFACT_CACHE_DIR`), made if missing. */
  dir: string;
  /** Most bytes kept; the least recently accessed artifacts go first. `GRIDFOLD_ARTIFACT_CACHE_MAX_BYTES`. @defaultValue 4294967296 (4 GiB) */
  maxBytes?: number;
  /** Age after which a temporary file is taken for a crashed fetch's and removed, milliseconds. @defaultValue 900000 */
  staleTempMs?: number;
  /** Told of corrupt files and evictions. */
  logger?: Logger;
}

const TEMP_PREFIX = '.tmp-';

/**
 * A worker host's local copies of artifacts, fetched from Redis (a worker needs only
 * `REDIS_URL`) and checked by sha256. Files are named by their sha256 in one directory that
 * any number of processes on the host share: each fetch writes a temporary file and renames
 * it into place, so a reader sees a whole, verified file or none (two processes fetching at
 * once both write, and the second rename replaces the first with the same bytes). A process
 * hashes a file once before trusting it, and again when its size, inode or mtime change. Access
 * times (set explicitly, whatever the mount's atime policy) drive LRU eviction past
 * `maxBytes`; an artifact larger than that is still kept, alone.
 */
export class ArtifactCache {
  private readonly maxBytes: number;
  private readonly staleTempMs: number;
  private readonly fetching = new Map<string, Promise<string>>();
  /** sha256 → the stat signature of the file this process hashed and found intact. */
  private readonly verified = new LruMap<string, string>(4096);

  constructor(
    private readonly store: ArtifactStore,
    private readonly options: ArtifactCacheOptions,
  ) {
    this.maxBytes = options.maxBytes ?? 4 * 1024 ** 3;
    this.staleTempMs = options.staleTempMs ?? 900_000;
  }

  /**
   * The local path of the artifact's bytes, fetched from Redis the first time on this host.
   * Concurrent calls for one artifact in this process share one fetch.
   * @throws ArtifactError `bad-sha256` or `not-found`; Error when the bytes in Redis do not hash to `sha`.
   */
  async path(sha: string): Promise<string> {
    checkSha256(sha);
    let pending = this.fetching.get(sha);
    if (!pending) {
      pending = this.resolve(sha).finally(() => this.fetching.delete(sha));
      this.fetching.set(sha, pending);
    }
    return pending;
  }

  private async resolve(sha: string): Promise<string> {
    const file = join(this.options.dir, sha);
    if (!(await this.intact(sha, file))) {
      await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
      await this.fetch(sha, file);
      await this.evict(sha);
    }
    await this.touch(file);
    return file;
  }

  /** Whether `file` holds the artifact's bytes (hashing it unless this process already did). */
  private async intact(sha: string, file: string): Promise<boolean> {
    const signature = await signatureOf(file);
    if (signature === null) return false;
    if (this.verified.get(sha) === signature) return true;
    const digest = await hashFile(file);
    if (digest !== sha) {
      // Not removed: a fetch renames good bytes over it, and another process may be doing so now.
      this.options.logger?.warn({ artifact: sha, file, digest }, 'cached artifact is corrupt; fetching it again');
      return false;
    }
    this.verified.set(sha, signature);
    return true;
  }

  private async fetch(sha: string, file: string): Promise<void> {
    const { meta, stream } = await this.store.open(sha);
    const temp = join(this.options.dir, `${TEMP_PREFIX}${sha}-${process.pid}-${randomUUID()}`);
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(stream, tap, createWriteStream(temp, { mode: 0o600 }));
      const digest = hash.digest('hex');
      if (digest !== sha) throw new Error(`artifact ${sha} read from Redis hashes to ${digest} (${meta.size} bytes stated); not cached`);
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    const signature = await signatureOf(file);
    if (signature) this.verified.set(sha, signature);
  }

  /** Marks the file as just used, for LRU; its mtime (part of the signature) stays. */
  private async touch(file: string): Promise<void> {
    const st = await stat(file).catch(() => null);
    if (st) await utimes(file, new Date(), st.mtime).catch(() => {});
  }

  /** Removes the least recently accessed artifacts past `maxBytes` (never `keep`) and stale temporary files. */
  private async evict(keep: string): Promise<void> {
    const { dir, logger } = this.options;
    const files: Array<{ name: string; size: number; atimeMs: number }> = [];
    for (const name of await readdir(dir)) {
      const st = await stat(join(dir, name)).catch(() => null);
      if (!st) continue;
      if (name.startsWith(TEMP_PREFIX) && Date.now() - st.mtimeMs > this.staleTempMs) await rm(join(dir, name), { force: true });
      else if (SHA256_HEX.test(name)) files.push({ name, size: st.size, atimeMs: st.atimeMs });
    }
    let total = files.reduce((sum, f) => sum + f.size, 0);
    for (const f of files.sort((a, b) => a.atimeMs - b.atimeMs)) {
      if (total <= this.maxBytes) break;
      if (f.name === keep) continue;
      await rm(join(dir, f.name), { force: true });
      this.verified.delete(f.name);
      total -= f.size;
      logger?.info({ artifact: f.name, size: f.size }, 'evicted artifact from the local cache');
    }
  }
}

async function signatureOf(file: string): Promise<string | null> {
  const st = await stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  return st && `${st.ino}:${st.size}:${st.mtimeMs}`;
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
