import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { ArtifactError } from './artifact-error.js';
import { ArtifactUpload, type ArtifactMeta, type UploadHints, type UploadSettings } from './artifact-upload.js';
import { artifactKeys } from './names.js';
import { ExperimentStore } from './store.js';

/** An artifact's name: the sha256 of its bytes as 64 lowercase hex digits. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** An artifact with the experiments that use it, as listed. */
export interface ArtifactListing extends ArtifactMeta {
  /** Ids of the experiments that use it, sorted. */
  experiments: string[];
}

/** What `GET /api/artifacts` answers. */
export interface ArtifactList {
  /** Newest first. */
  artifacts: ArtifactListing[];
  /** Bytes of every artifact together. */
  total_bytes: number;
  /** The store's bound on them (`GRIDFOLD_ARTIFACTS_MAX_BYTES`). */
  max_bytes: number;
}

/** What `POST /api/artifacts` answers: the artifact, and whether this upload stored it (201) or it was there (200). */
export type ArtifactUploaded = ArtifactMeta & { created: boolean };

/** Bounds and sizes of an {@link ArtifactStore}. */
export interface ArtifactStoreOptions {
  /** Most bytes all artifacts take together, committed and being uploaded. @defaultValue 2147483648 (2 GiB) */
  maxTotalBytes?: number;
  /** Largest single artifact, bytes. @defaultValue 1073741824 (1 GiB) */
  maxArtifactBytes?: number;
  /** Bytes per stored chunk, so that no Redis value is huge. @defaultValue 1048576 (1 MiB) */
  chunkBytes?: number;
  /** How long an upload may be silent before its bytes are dropped, milliseconds. @defaultValue 600000 */
  uploadTtlMs?: number;
  /**
   * Whether an experiment still needs its artifacts (the delete rule's hook).
   * @defaultValue the experiment exists in this prefix's {@link ExperimentStore} and has not ended (queued or running)
   */
  isActive?: (experimentId: string) => Promise<boolean>;
}

/** Whether `sha` names an artifact (64 lowercase hex digits). @throws ArtifactError `bad-sha256` naming it. */
export function checkSha256(sha: string): string {
  if (!SHA256_HEX.test(sha)) throw new ArtifactError('bad-sha256', `sha256 must be 64 lowercase hex digits, got ${JSON.stringify(sha)}`);
  return sha;
}

/** KEYS: meta, users. ARGV: experiment id. 0 when the artifact is not stored. */
const USE = `
if redis.call('exists', KEYS[1]) == 0 then return 0 end
redis.call('sadd', KEYS[2], ARGV[1])
return 1`;

/**
 * KEYS: meta, chunks, users, index, bytes. ARGV: sha256, then the users found not active.
 * -1: not stored; 0: a user arrived since they were checked; 1: deleted.
 */
const DELETE = `
if redis.call('exists', KEYS[1]) == 0 then return -1 end
local cleared = {}
for i = 2, #ARGV do cleared[ARGV[i]] = true end
for _, id in ipairs(redis.call('smembers', KEYS[3])) do
  if not cleared[id] then return 0 end
end
local size = redis.call('hget', KEYS[1], 'size')
redis.call('unlink', KEYS[1], KEYS[2], KEYS[3])
redis.call('zrem', KEYS[4], ARGV[1])
redis.call('decrby', KEYS[5], size)
return 1`;

/**
 * Users' plugin bundles and datasets in Redis, named by the sha256 of their bytes, so that a
 * worker host needs only `REDIS_URL` to run any sweep. Bytes are stored in chunks; uploads
 * become visible only once complete and verified (see {@link ArtifactUpload}); all artifacts
 * together stay under a byte bound. Experiments that use an artifact are recorded with `use`,
 * and the delete rule is: an artifact can be deleted unless an experiment that uses it is
 * still active (by default: queued or running). Ended experiments (completed, failed,
 * cancelled) and ones no longer stored do not hold it; a retry of one needs the artifact
 * uploaded again (the same bytes give the same name).
 */
export class ArtifactStore {
  private readonly k: ReturnType<typeof artifactKeys>;
  private readonly settings: UploadSettings;
  private readonly isActive: (experimentId: string) => Promise<boolean>;

  constructor(
    private readonly redis: Redis,
    prefix = 'gridfold',
    options: ArtifactStoreOptions = {},
  ) {
    this.k = artifactKeys(prefix);
    this.settings = {
      prefix,
      maxTotalBytes: options.maxTotalBytes ?? 2 * 1024 ** 3,
      maxArtifactBytes: options.maxArtifactBytes ?? 1024 ** 3,
      chunkBytes: options.chunkBytes ?? 1024 ** 2,
      uploadTtlMs: options.uploadTtlMs ?? 600_000,
    };
    const experiments = new ExperimentStore(redis, prefix);
    this.isActive =
      options.isActive ??
      (async (id) => {
        const status = await experiments.status(id);
        return status !== null && !experiments.isTerminal(status);
      });
  }

  /** The store's bounds in bytes: all artifacts together, and one. */
  get limits(): { maxTotalBytes: number; maxArtifactBytes: number } {
    return { maxTotalBytes: this.settings.maxTotalBytes, maxArtifactBytes: this.settings.maxArtifactBytes };
  }

  /**
   * Starts an upload; write its bytes, then commit (or abort) it.
   * @throws ArtifactError `bad-sha256`, or `too-large` / `store-full` when the stated size is already too much.
   */
  async begin(hints: UploadHints = {}): Promise<ArtifactUpload> {
    if (hints.sha256 !== undefined) checkSha256(hints.sha256);
    if (hints.size !== undefined && hints.size > this.settings.maxArtifactBytes) {
      throw new ArtifactError('too-large', `artifact of ${hints.size} bytes is larger than the largest allowed, ${this.settings.maxArtifactBytes} bytes (GRIDFOLD_ARTIFACT_UPLOAD_MAX_BYTES)`);
    }
    const upload = new ArtifactUpload(this.redis, this.settings, hints);
    await upload.start();
    return upload;
  }

  /** Uploads `data` in one call: begin, write each buffer, commit; aborted on any failure. */
  async put(data: Buffer | Iterable<Buffer> | AsyncIterable<Buffer>, hints: UploadHints = {}): Promise<{ meta: ArtifactMeta; created: boolean }> {
    const upload = await this.begin(hints);
    try {
      for await (const buffer of Buffer.isBuffer(data) ? [data] : data) await upload.write(buffer);
      return await upload.commit();
    } catch (err) {
      await upload.abort();
      throw err;
    }
  }

  /** The artifact's meta, or null when it is not stored. */
  async stat(sha: string): Promise<ArtifactMeta | null> {
    const h = await this.redis.hgetall(this.k.meta(checkSha256(sha)));
    return h.sha256 ? parseMeta(h) : null;
  }

  /**
   * The artifact's meta and a stream of its bytes, read from Redis one chunk at a time.
   * The stream fails with `not-found` if the artifact is deleted while it is read.
   * @throws ArtifactError `bad-sha256` or `not-found`
   */
  async open(sha: string): Promise<{ meta: ArtifactMeta; stream: Readable }> {
    const meta = await this.stat(sha);
    if (!meta) throw notFound(sha);
    const { redis } = this;
    const key = this.k.chunks(sha);
    async function* chunks() {
      for (let i = 0; i < meta!.chunks; i++) {
        const chunk = await redis.hgetBuffer(key, String(i));
        if (!chunk) throw new ArtifactError('not-found', `artifact ${sha} was deleted while being read (chunk ${i} of ${meta!.chunks} is gone)`);
        yield chunk;
      }
    }
    return { meta, stream: Readable.from(chunks(), { objectMode: false }) };
  }

  /** Every artifact with its size and the experiments that use it, newest first. */
  async list(): Promise<ArtifactListing[]> {
    const shas = await this.redis.zrevrange(this.k.index, 0, -1);
    const pipeline = this.redis.pipeline();
    for (const sha of shas) pipeline.hgetall(this.k.meta(sha)).smembers(this.k.users(sha));
    const replies = ((await pipeline.exec()) ?? []).map(([err, value]) => {
      if (err) throw err;
      return value;
    });
    return shas.flatMap((_, i) => {
      const h = replies[2 * i] as Record<string, string>;
      // An artifact deleted between the two reads is left out.
      return h.sha256 ? [{ ...parseMeta(h), experiments: (replies[2 * i + 1] as string[]).sort() }] : [];
    });
  }

  /** Bytes of every committed artifact together. */
  async totalBytes(): Promise<number> {
    return Number((await this.redis.get(this.k.bytes)) ?? 0);
  }

  /** Records that `experimentId` uses the artifact, so it is not deleted under it. @throws ArtifactError `bad-sha256` or `not-found` */
  async use(sha: string, experimentId: string): Promise<void> {
    const added = await this.redis.eval(USE, 2, this.k.meta(checkSha256(sha)), this.k.users(sha), experimentId);
    if (added === 0) throw notFound(sha);
  }

  /** Forgets that `experimentId` uses the artifact (a no-op when it did not). */
  async release(sha: string, experimentId: string): Promise<void> {
    await this.redis.srem(this.k.users(checkSha256(sha)), experimentId);
  }

  /**
   * Deletes the artifact unless an experiment that uses it is active (see the class's rule).
   * @throws ArtifactError `bad-sha256`, `not-found`, or `in-use` naming the active experiments.
   */
  async delete(sha: string): Promise<void> {
    const k = this.k;
    // A use() may land between the check and the delete; the script then refuses and we look again.
    for (;;) {
      const users = await this.redis.smembers(k.users(checkSha256(sha)));
      const flags = await Promise.all(users.map((id) => this.isActive(id)));
      const active = users.filter((_, i) => flags[i]).sort();
      if (active.length) throw new ArtifactError('in-use', `artifact ${sha} is used by experiments that have not ended: ${active.join(', ')}`, active);
      const outcome = await this.redis.eval(DELETE, 5, k.meta(sha), k.chunks(sha), k.users(sha), k.index, k.bytes, sha, ...users);
      if (outcome === -1) throw notFound(sha);
      if (outcome === 1) return;
    }
  }
}

function notFound(sha: string): ArtifactError {
  return new ArtifactError('not-found', `no artifact ${sha}`);
}

function parseMeta(h: Record<string, string>): ArtifactMeta {
  return {
    sha256: h.sha256,
    size: Number(h.size),
    chunks: Number(h.chunks),
    chunk_bytes: Number(h.chunk_bytes),
    media_type: h.media_type,
    name: h.name || null,
    created_at: Number(h.created_at),
  };
}
