import { pipeline } from 'node:stream/promises';
import { ArtifactError, checkSha256, type ArtifactErrorCode, type ArtifactList, type ArtifactMeta, type ArtifactStore, type ArtifactUploaded } from '@gridfold/queue';
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';

/** The request and response headers of the artifact routes. */
export const ARTIFACT_HEADERS = {
  /** sha256 of the bytes: stated by an uploader (or `?sha256=`), sent with every artifact. */
  sha256: 'x-artifact-sha256',
  /** File name hint (printable ASCII, at most 255 characters). */
  name: 'x-artifact-name',
  /** Media type hint, e.g. `text/javascript`; the bytes are always served as `application/octet-stream`. */
  mediaType: 'x-artifact-media-type',
} as const;

const STATUS: Record<ArtifactErrorCode, number> = {
  'bad-sha256': 400,
  'hash-mismatch': 400,
  'not-found': 404,
  'upload-expired': 408,
  'in-use': 409,
  'too-large': 413,
  'store-full': 507,
};

const NAME = /^[\x20-\x7e]{1,255}$/;
const MEDIA_TYPE = /^[a-z0-9][\w!#$&^.+-]{0,62}\/[a-z0-9][\w!#$&^.+-]{0,62}$/i;

/** What the routes need: the store (with its bounds) and a logger. */
export interface ArtifactRoutesDeps {
  store: ArtifactStore;
  log: Logger;
}

/**
 * `/api/artifacts` (mounted behind the token guard): `POST /` streams raw bytes into the store,
 * `GET /` lists, `HEAD|GET /:sha` describes or streams one, `DELETE /:sha` deletes one.
 */
export function artifactRoutes({ store, log }: ArtifactRoutesDeps): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const hints = uploadHints(req);
    if ('error' in hints) return answerEarly(req, res, hints.status, { error: hints.error });
    const existing = await store.stat(hints.sha256);
    if (existing) return answerEarly(req, res, 200, { ...existing, created: false } satisfies ArtifactUploaded);
    let upload;
    try {
      upload = await store.begin(hints);
    } catch (err) {
      return answerEarly(req, res, ...refusal(err));
    }
    try {
      // destroyOnReturn: false keeps the socket open to answer when a write is refused mid-body.
      for await (const chunk of req.iterator({ destroyOnReturn: false })) await upload.write(chunk as Buffer);
      const { meta, created } = await upload.commit();
      log.info({ artifact: meta.sha256, size: meta.size, created }, 'artifact uploaded');
      res.status(created ? 201 : 200).json({ ...meta, created } satisfies ArtifactUploaded);
    } catch (err) {
      await upload.abort();
      if (req.readableAborted) return void log.info({ artifact: hints.sha256, received: upload.written }, 'artifact upload aborted by the client');
      answerEarly(req, res, ...refusal(err));
    }
  });

  router.get('/', async (_req, res) => {
    const [artifacts, totalBytes] = await Promise.all([store.list(), store.totalBytes()]);
    res.json({ artifacts, total_bytes: totalBytes, max_bytes: store.limits.maxTotalBytes } satisfies ArtifactList);
  });

  // Express answers HEAD with this GET route too; a HEAD reads the meta only.
  router.get('/:sha', async (req, res) => {
    let opened;
    try {
      const sha = checkSha256(req.params.sha);
      opened = req.method === 'HEAD' ? { meta: await store.stat(sha), stream: undefined } : await store.open(sha);
      if (!opened.meta) throw new ArtifactError('not-found', `no artifact ${sha}`);
    } catch (err) {
      return refuse(res, err);
    }
    describe(res, opened.meta);
    if (!opened.stream) return void res.end();
    try {
      await pipeline(opened.stream, res);
    } catch (err) {
      // Headers are out: a failure mid-body (artifact deleted, client gone) can only cut the body short.
      log.warn({ artifact: opened.meta.sha256, err: (err as Error).message }, 'artifact download ended early');
    }
  });

  router.delete('/:sha', async (req, res) => {
    try {
      const sha = checkSha256(req.params.sha);
      await store.delete(sha);
      log.info({ artifact: sha }, 'artifact deleted');
      res.json({ sha256: sha, deleted: true });
    } catch (err) {
      refuse(res, err);
    }
  });

  return router;
}

type Hints = { sha256: string; size?: number; name?: string; mediaType?: string };

/** The uploader's statements, checked; or the status and message of the first bad one. */
function uploadHints(req: Request): Hints | { status: number; error: string } {
  const type = req.get('content-type') ?? '';
  if (type.split(';')[0].trim().toLowerCase() !== 'application/octet-stream') {
    return { status: 415, error: `content-type must be application/octet-stream (the raw bytes), got ${JSON.stringify(type)}` };
  }
  const sha256 = req.get(ARTIFACT_HEADERS.sha256) ?? req.query.sha256;
  if (sha256 === undefined) return { status: 400, error: `state the sha256 of the bytes in an ${ARTIFACT_HEADERS.sha256} header or a sha256 query parameter` };
  if (typeof sha256 !== 'string') return { status: 400, error: `sha256 must be 64 lowercase hex digits, got ${JSON.stringify(sha256)}` };
  try {
    checkSha256(sha256);
  } catch (err) {
    return { status: 400, error: (err as Error).message };
  }
  const name = req.get(ARTIFACT_HEADERS.name);
  if (name !== undefined && !NAME.test(name)) return { status: 400, error: `${ARTIFACT_HEADERS.name} must be 1 to 255 printable ASCII characters, got ${JSON.stringify(name)}` };
  const mediaType = req.get(ARTIFACT_HEADERS.mediaType);
  if (mediaType !== undefined && !MEDIA_TYPE.test(mediaType)) return { status: 400, error: `${ARTIFACT_HEADERS.mediaType} must be a media type like text/javascript, got ${JSON.stringify(mediaType)}` };
  // Node has checked Content-Length's syntax, and holds the body to it.
  const length = req.get('content-length');
  return { sha256, size: length === undefined ? undefined : Number(length), name, mediaType };
}

/** Headers that describe an artifact (HEAD and GET). */
function describe(res: Response, meta: ArtifactMeta): void {
  res.set({
    'content-type': 'application/octet-stream',
    'content-length': String(meta.size),
    'content-disposition': 'attachment',
    etag: `"${meta.sha256}"`,
    'cache-control': 'private, max-age=31536000, immutable',
    [ARTIFACT_HEADERS.sha256]: meta.sha256,
    [ARTIFACT_HEADERS.mediaType]: meta.media_type,
    ...(meta.name ? { [ARTIFACT_HEADERS.name]: meta.name } : {}),
  });
}

/** The status and body that answer an ArtifactError (409 also names the experiments); other errors are rethrown. */
function refusal(err: unknown): [number, { error: string; experiments?: string[] }] {
  if (!(err instanceof ArtifactError)) throw err;
  return [STATUS[err.code], err.code === 'in-use' ? { error: err.message, experiments: err.experiments } : { error: err.message }];
}

function refuse(res: Response, err: unknown): void {
  const [status, body] = refusal(err);
  res.status(status).json(body);
}

/** What is discarded of an upload answered before its end, at most: bytes, and milliseconds. */
const LINGER = { bytes: 16 * 1024 ** 2, ms: 2000 };

/**
 * Answers an upload before its body has been read to the end. Nothing more of it is stored,
 * but what the client still sends is discarded for a moment ({@link LINGER}) before the
 * connection is cut: closing a socket with unread bytes resets it, and many clients (fetch,
 * node:http) then drop an answer they have not read yet. A body that ends within the bound
 * leaves the connection open for the next request.
 */
function answerEarly(req: Request, res: Response, status: number, body: object): void {
  res.status(status).json(body);
  if (req.complete) return;
  let discarded = 0;
  const cut = () => req.socket.destroy();
  const timer = setTimeout(cut, LINGER.ms);
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER.bytes) cut();
  });
  req.on('close', () => clearTimeout(timer));
  req.resume();
}
