import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ArtifactError } from './artifact-error.js';
import { artifactKeys } from './names.js';

/** What the store keeps about a committed artifact. */
export interface ArtifactMeta {
  /** sha256 of the bytes, 64 lowercase hex digits: the artifact's name. */
  sha256: string;
  /** Length of the bytes. */
  size: number;
  /** Number of chunks the bytes are stored in (0 for an empty artifact). */
  chunks: number;
  /** Bytes per chunk; the last one may be shorter. */
  chunk_bytes: number;
  /** The uploader's media type hint, e.g. `text/javascript`; the API never serves the bytes as it. */
  media_type: string;
  /** The uploader's file name hint, or null. */
  name: string | null;
  /** When it was committed, milliseconds since the epoch. */
  created_at: number;
}

/** What an uploader may state about the bytes to come. */
export interface UploadHints {
  /** The expected sha256: commit refuses other bytes. */
  sha256?: string;
  /** The expected size in bytes: held against the total bound from the start. */
  size?: number;
  /** @defaultValue `"application/octet-stream"` */
  mediaType?: string;
  /** A file name, for people (listings). */
  name?: string;
}

/** The bounds and sizes an upload gets from its store (see `ArtifactStoreOptions`). */
export interface UploadSettings {
  prefix: string;
  maxTotalBytes: number;
  maxArtifactBytes: number;
  chunkBytes: number;
  uploadTtlMs: number;
}

// KEYS[1..3] of every upload script: the committed bytes, the uploads' holdings, their deadlines.
// held() first forgets uploads silent past their deadline (their process died: their chunks
// expire on their own), then counts what is committed plus what live uploads hold.
const HELD = `
local function held(now)
  local expired = redis.call('zrangebyscore', KEYS[3], '-inf', now)
  for _, id in ipairs(expired) do redis.call('hdel', KEYS[2], id) end
  redis.call('zremrangebyscore', KEYS[3], '-inf', now)
  local n = tonumber(redis.call('get', KEYS[1]) or '0')
  for _, v in ipairs(redis.call('hvals', KEYS[2])) do n = n + tonumber(v) end
  return n
end
`;

/** ARGV: id, bytes to hold, bound, deadline, now. Returns -1, or the bytes held by others when the bound would be passed. */
const BEGIN = `${HELD}
local used = held(ARGV[5])
if used + tonumber(ARGV[2]) > tonumber(ARGV[3]) then return used end
redis.call('hset', KEYS[2], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[3], ARGV[4], ARGV[1])
return -1`;

/** KEYS[4]: the upload's chunks. ARGV: id, chunk index, chunk, bytes to hold, bound, deadline, now, ttl. -2: expired. */
const APPEND = `${HELD}
local used = held(ARGV[7])
local mine = redis.call('hget', KEYS[2], ARGV[1])
if not mine then return -2 end
mine = tonumber(mine)
local want = tonumber(ARGV[4])
if want > mine then
  if used - mine + want > tonumber(ARGV[5]) then return used - mine end
  redis.call('hset', KEYS[2], ARGV[1], ARGV[4])
end
redis.call('hset', KEYS[4], ARGV[2], ARGV[3])
redis.call('pexpire', KEYS[4], ARGV[8])
redis.call('zadd', KEYS[3], ARGV[6], ARGV[1])
return -1`;

/**
 * KEYS[4..7]: the upload's chunks, the artifact's meta, its chunks, the index. ARGV: id, then
 * the meta fields. 1: committed; 0: the artifact was already there (this copy is dropped);
 * -2: chunks expired. Meta is written last, so a reader never sees a half-stored artifact.
 */
const COMMIT = `
redis.call('hdel', KEYS[2], ARGV[1])
redis.call('zrem', KEYS[3], ARGV[1])
if redis.call('exists', KEYS[5]) == 1 then redis.call('unlink', KEYS[4]) return 0 end
local n = tonumber(ARGV[4])
if redis.call('hlen', KEYS[4]) ~= n then redis.call('unlink', KEYS[4]) return -2 end
if n > 0 then
  redis.call('rename', KEYS[4], KEYS[6])
  redis.call('persist', KEYS[6])
end
redis.call('hset', KEYS[5], 'sha256', ARGV[2], 'size', ARGV[3], 'chunks', ARGV[4], 'chunk_bytes', ARGV[5], 'media_type', ARGV[6], 'name', ARGV[7], 'created_at', ARGV[8])
redis.call('zadd', KEYS[7], ARGV[8], ARGV[2])
redis.call('incrby', KEYS[1], ARGV[3])
return 1`;

/**
 * One artifact being written: bytes go to Redis in chunks under a temporary key that expires
 * unless written to, and hold their size against the store's total bound; `commit` checks
 * the sha256 and renames them into place in one script. Until then (and after a refusal or
 * `abort`) nothing is visible. Call `write` one at a time (await each).
 */
export class ArtifactUpload {
  readonly id = randomUUID();
  private readonly k: ReturnType<typeof artifactKeys>;
  private readonly hash = createHash('sha256');
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private stored = 0;
  private chunks = 0;
  private state: 'new' | 'open' | 'committed' | 'aborted' = 'new';

  constructor(
    private readonly redis: Redis,
    private readonly settings: UploadSettings,
    private readonly hints: UploadHints = {},
  ) {
    this.k = artifactKeys(settings.prefix);
  }

  /** Bytes written so far. */
  get written(): number {
    return this.stored + this.pendingBytes;
  }

  /** Holds the stated size against the total bound. @throws ArtifactError `store-full` */
  async start(): Promise<void> {
    const held = await this.script(BEGIN, [], [this.id, this.hints.size ?? 0, this.settings.maxTotalBytes, this.deadline(), Date.now()]);
    if (held >= 0) throw this.full(held, this.hints.size ?? 0);
    this.state = 'open';
  }

  /** @throws ArtifactError `too-large`, `store-full` or `upload-expired`, after aborting the upload. */
  async write(data: Buffer): Promise<void> {
    if (this.state !== 'open') throw new Error(`artifact upload ${this.id} is ${this.state}`);
    if (this.written + data.length > this.settings.maxArtifactBytes) {
      await this.abort();
      throw new ArtifactError('too-large', `artifact is larger than the largest allowed, ${this.settings.maxArtifactBytes} bytes (GRIDFOLD_ARTIFACT_UPLOAD_MAX_BYTES)`);
    }
    this.hash.update(data);
    this.pending.push(data);
    this.pendingBytes += data.length;
    while (this.pendingBytes >= this.settings.chunkBytes) await this.flush();
  }

  /**
   * Stores the last chunk, checks the sha256 and makes the artifact visible.
   * @returns its meta, and whether this upload created it (false: it was already stored).
   * @throws ArtifactError `hash-mismatch` (after aborting), `store-full` or `upload-expired`.
   */
  async commit(): Promise<{ meta: ArtifactMeta; created: boolean }> {
    if (this.state !== 'open') throw new Error(`artifact upload ${this.id} is ${this.state}`);
    if (this.pendingBytes > 0) await this.flush();
    const sha256 = this.hash.digest('hex');
    if (this.hints.sha256 !== undefined && sha256 !== this.hints.sha256) {
      await this.abort();
      throw new ArtifactError('hash-mismatch', `sha256 of the uploaded bytes is ${sha256}, not the stated ${this.hints.sha256}`);
    }
    const meta: ArtifactMeta = {
      sha256,
      size: this.stored,
      chunks: this.chunks,
      chunk_bytes: this.settings.chunkBytes,
      media_type: this.hints.mediaType ?? 'application/octet-stream',
      name: this.hints.name ?? null,
      created_at: Date.now(),
    };
    const keys = [this.k.upload(this.id), this.k.meta(sha256), this.k.chunks(sha256), this.k.index];
    const fields = [meta.sha256, meta.size, meta.chunks, meta.chunk_bytes, meta.media_type, meta.name ?? '', meta.created_at];
    const outcome = await this.script(COMMIT, keys, [this.id, ...fields]);
    this.state = 'committed';
    if (outcome === -2) throw this.expired();
    return { meta, created: outcome === 1 };
  }

  /** Drops what was written and the bytes held; idempotent, and a no-op after commit. */
  async abort(): Promise<void> {
    if (this.state === 'committed' || this.state === 'aborted') return;
    this.state = 'aborted';
    await this.redis.multi().unlink(this.k.upload(this.id)).hdel(this.k.uploads, this.id).zrem(this.k.uploadDeadlines, this.id).exec();
  }

  private async flush(): Promise<void> {
    const all = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    const chunk = all.subarray(0, this.settings.chunkBytes);
    const rest = all.subarray(chunk.length);
    const hold = Math.max(this.hints.size ?? 0, this.stored + chunk.length);
    const { maxTotalBytes, uploadTtlMs } = this.settings;
    const args = [this.id, this.chunks, chunk, hold, maxTotalBytes, this.deadline(), Date.now(), uploadTtlMs];
    const outcome = await this.script(APPEND, [this.k.upload(this.id)], args);
    if (outcome !== -1) {
      await this.abort();
      throw outcome === -2 ? this.expired() : this.full(outcome, hold);
    }
    this.pending = rest.length ? [rest] : [];
    this.pendingBytes = rest.length;
    this.stored += chunk.length;
    this.chunks += 1;
  }

  private async script(lua: string, keys: string[], args: Array<string | number | Buffer>): Promise<number> {
    const k = this.k;
    return (await this.redis.eval(lua, 3 + keys.length, k.bytes, k.uploads, k.uploadDeadlines, ...keys, ...args)) as number;
  }

  private deadline(): number {
    return Date.now() + this.settings.uploadTtlMs;
  }

  private full(heldByOthers: number, needed: number): ArtifactError {
    const max = this.settings.maxTotalBytes;
    return new ArtifactError(
      'store-full',
      `artifact store is full: it holds ${heldByOthers} of its ${max} bytes (GRIDFOLD_ARTIFACTS_MAX_BYTES) and this upload needs ${needed}; delete artifacts no experiment uses (gridfold artifacts rm)`,
    );
  }

  private expired(): ArtifactError {
    return new ArtifactError('upload-expired', `artifact upload ${this.id} was silent for more than ${this.settings.uploadTtlMs} ms and was dropped; upload again`);
  }
}
