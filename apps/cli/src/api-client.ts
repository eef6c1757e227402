import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ArtifactList, ArtifactUploaded, ExperimentCreated, ExperimentDetail, ExperimentList, PruneOutcome, PurgeOutcome, WorkerList } from '@gridfold/queue';

/** An answer of the API that is not a success: its status and the API's message. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** An artifact upload's body and what the client states about it. */
export interface ArtifactBody {
  sha256: string;
  /** Bytes, sent as Content-Length so that the API can refuse too much before reading any. */
  size: number;
  bytes: Readable;
  /** File name hint (printable ASCII, at most 255 characters). */
  name?: string;
}

/** How {@link ApiClient.submit} sends a submission again when its answer cannot be trusted. */
export interface SubmitRetry {
  /** Sends after the first. @defaultValue 6 */
  retries: number;
  /** Wait before the first resend, doubled for each next one (up to 8 s), milliseconds. @defaultValue 500 */
  backoffMs: number;
}

/** A small typed client for the gridfold API; errors name the URL and the API's message. */
export class ApiClient {
  /**
   * @param base - the API's URL
   * @param token - sent as `Authorization: Bearer <token>` when set (the API's `GRIDFOLD_TOKEN`)
   */
  constructor(
    readonly base: string,
    private readonly token?: string,
  ) {}

  /**
   * Submits an experiment under a fresh `Idempotency-Key`, and sends it again with the same key
   * when the answer cannot be trusted: the API did not answer (a dropped connection), answered 503
   * (Redis did not answer within its deadline: the submission may have gone on and made the
   * experiment), or 409 (the first send is still being made). A resend gets the experiment the
   * first send made, if it made one, never a second one running the same sweep.
   */
  async submit(spec: unknown, retry: SubmitRetry = { retries: 6, backoffMs: 500 }): Promise<ExperimentCreated> {
    const path = '/api/experiments';
    const init = { headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify(spec) };
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retry.retries;
      // No answer (the API could not be reached) is sent again like a 503, until the last try.
      const res = await this.send('POST', path, init).catch((err: Error) => {
        if (last) throw err;
        return undefined;
      });
      if (res && (last || (res.status !== 503 && res.status !== 409))) return this.parse('POST', path, res);
      await res?.body?.cancel();
      await sleep(Math.min(8000, retry.backoffMs * 2 ** attempt));
    }
  }

  async get(id: string): Promise<ExperimentDetail> {
    return this.request('GET', `/api/experiments/${encodeURIComponent(id)}`);
  }

  async list(): Promise<ExperimentList> {
    return this.request('GET', '/api/experiments');
  }

  /** Cancels a queued or running experiment. */
  async cancel(id: string): Promise<{ id: string; status: string; removed_jobs: number; removing_jobs?: number }> {
    return this.request('DELETE', `/api/experiments/${encodeURIComponent(id)}`);
  }

  /** Deletes an ended experiment with every key it has. @throws ApiError 409 when it has not ended, or a job of it is still running. */
  async purge(id: string): Promise<Extract<PurgeOutcome, { purged: true }>> {
    return this.request('DELETE', `/api/experiments/${encodeURIComponent(id)}?purge=true`);
  }

  /** Deletes every ended experiment older than `olderThan` (`30d`, `12h`, `90m`, `45s`). */
  async prune(olderThan: string): Promise<PruneOutcome> {
    return this.request('POST', '/api/experiments/prune', { older_than: olderThan });
  }

  /** The worker processes whose heartbeat has not expired. */
  async workers(): Promise<WorkerList> {
    return this.request('GET', '/api/workers');
  }

  async artifacts(): Promise<ArtifactList> {
    return this.request('GET', '/api/artifacts');
  }

  async deleteArtifact(sha: string): Promise<{ sha256: string; deleted: true }> {
    return this.request('DELETE', `/api/artifacts/${encodeURIComponent(sha)}`);
  }

  /** Whether the API holds the artifact (a HEAD: no bytes move). */
  async hasArtifact(sha: string): Promise<boolean> {
    const path = `/api/artifacts/${encodeURIComponent(sha)}`;
    const res = await this.send('HEAD', path);
    if (res.status === 404) return false;
    await this.parse('HEAD', path, res);
    return true;
  }

  /** Streams an artifact's bytes to the API, which checks them against `sha256`. */
  async uploadArtifact(body: ArtifactBody): Promise<ArtifactUploaded> {
    const headers = {
      'content-type': 'application/octet-stream',
      'content-length': String(body.size),
      'x-artifact-sha256': body.sha256,
      ...(body.name ? { 'x-artifact-name': body.name } : {}),
    };
    return this.parse('POST', '/api/artifacts', await this.send('POST', '/api/artifacts', { headers, body: body.bytes, duplex: 'half' }));
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init = body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    return this.parse(method, path, await this.send(method, path, init));
  }

  private async send(method: string, path: string, init: { headers?: Record<string, string>; body?: string | Readable; duplex?: 'half' } = {}): Promise<Response> {
    try {
      const auth = this.token ? { authorization: `Bearer ${this.token}` } : {};
      return await fetch(new URL(path, this.base), { method, ...init, headers: { ...init.headers, ...auth } } as RequestInit);
    } catch {
      throw new Error(`cannot reach the gridfold API at ${this.base}; start it with \`npx gridfold serve\` or pass --api URL (or use --local)`);
    }
  }

  /** The answer's JSON, or an Error naming the route, the status, the API's message and every issue. */
  private async parse<T>(method: string, path: string, res: Response): Promise<T> {
    // An answer to HEAD, or one that is not JSON (a proxy's page), has no error field: the status text says what there is.
    const json = (await res.json().catch(() => ({}))) as { error?: string; issues?: Array<{ path: string; message: string }> };
    if (!res.ok) {
      const issues = json.issues?.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
      throw new ApiError(`${method} ${path}: ${res.status} ${json.error ?? res.statusText}${issues ? ` — ${issues}` : ''}`, res.status);
    }
    return json as T;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
