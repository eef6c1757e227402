import type { ExperimentCreated, ExperimentDetail, ExperimentList, PruneOutcome, PurgeOutcome } from '@gridfold/queue';

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

  async submit(spec: unknown): Promise<ExperimentCreated> {
    return this.request('POST', '/api/experiments', spec);
  }

  async get(id: string): Promise<ExperimentDetail> {
    return this.request('GET', `/api/experiments/${encodeURIComponent(id)}`);
  }

  async list(): Promise<ExperimentList> {
    return this.request('GET', '/api/experiments');
  }

  /** Cancels a queued or running experiment. */
  async cancel(id: string): Promise<{ id: string; status: string; removed_jobs: number }> {
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

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new Error(`cannot reach the gridfold API at ${this.base}; start it with \`npx gridfold serve\` or pass --api URL (or use --local)`);
    }
    const json = (await res.json().catch(() => ({}))) as { error?: string; issues?: Array<{ path: string; message: string }> };
    if (!res.ok) {
      const issues = json.issues?.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
      throw new ApiError(`${method} ${path}: ${res.status} ${json.error ?? res.statusText}${issues ? ` — ${issues}` : ''}`, res.status);
    }
    return json as T;
  }
}
