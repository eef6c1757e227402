import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from '../src/api-client.js';
import { freePort } from '../src/redis-setup.js';
import { startTestApi, type TestApi } from './helpers/test-api.js';

// A real API (createApp on the real Redis, a unique prefix, an ephemeral port) behind the client.
const spec = { name: 'client', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: { n_splits: 3, subset: 300 }, refit: false };
let t: TestApi;
let client: ApiClient;
let authed: ApiClient;

beforeAll(async () => {
  t = await startTestApi({ token: 's3cret' });
  client = new ApiClient(t.url);
  authed = new ApiClient(t.url, 's3cret');
});

afterAll(() => t.close());

describe('ApiClient', () => {
  it('sends its token (GRIDFOLD_TOKEN) as a Bearer token with a submission and with the reads that follow it', async () => {
    await expect(client.submit(spec)).rejects.toThrow(new ApiError('POST /api/experiments: 401 missing or wrong token: send "Authorization: Bearer <GRIDFOLD_TOKEN>"', 401));
    const { id, tasks } = await authed.submit(spec);
    // 3 folds x 1 cell (KNeighborsClassifier's defaults, no param_grid): 3 fit tasks.
    expect(tasks).toBe(3);
    // Reads need the token too (specs name dataset paths; results may be private).
    await expect(client.get(id)).rejects.toThrow(/: 401 missing or wrong token/);
    expect(await authed.get(id)).toMatchObject({ id, name: 'client', status: 'queued', progress: { done: 0, total: 3, eta_ms: null }, result: null });
    expect((await authed.list()).experiments.map((e) => e.id)).toEqual([id]);
  });

  it('puts the method, path, status, error and every issue in one message', async () => {
    await expect(authed.submit({ ...spec, name: 'bad name', cv: { n_splits: 1 } })).rejects.toThrow(
      // The issue messages are the spec schema's (zod).
      new ApiError(`POST /api/experiments: 400 invalid experiment spec — name: letters, digits, "_", "-" and "." only; cv.n_splits: Too small: expected number to be >=2`, 400),
    );
    await expect(authed.submit([])).rejects.toThrow(new ApiError('POST /api/experiments: 400 invalid experiment spec — (root): Invalid input: expected object, received array', 400));
  });

  it('sends its token with a DELETE too (it has no body), and purges only an ended experiment', async () => {
    const { id } = await authed.submit(spec);
    await expect(client.purge(id)).rejects.toThrow(new ApiError(`DELETE /api/experiments/${id}?purge=true: 401 missing or wrong token: send "Authorization: Bearer <GRIDFOLD_TOKEN>"`, 401));
    await expect(authed.purge(id)).rejects.toMatchObject({ status: 409 });
    expect(await authed.cancel(id)).toMatchObject({ id, status: 'cancelled' });
    // The cancel removed its jobs, none of which had started.
    expect(await authed.purge(id)).toMatchObject({ id, purged: true, removed_jobs: 0 });
    await expect(authed.get(id)).rejects.toMatchObject({ status: 404 });
  });

  it('prunes by age, and passes the API\'s complaint about an age on', async () => {
    expect(await authed.prune('30d')).toMatchObject({ purged: [], kept: [] });
    await expect(authed.prune('a month')).rejects.toThrow(
      new ApiError('POST /api/experiments/prune: 400 older_than must be a whole number of days, hours, minutes or seconds like "30d", "12h", "90m" or "45s", got "a month" — older_than: must be a whole number of days, hours, minutes or seconds like "30d", "12h", "90m" or "45s", got "a month"', 400),
    );
  });

  it('escapes the id into the path', async () => {
    await expect(authed.get('a/b?c')).rejects.toThrow(new ApiError('GET /api/experiments/a%2Fb%3Fc: 404 no experiment "a/b?c"', 404));
  });

  it('says how to start an API when none answers', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    await expect(new ApiClient(closed).list()).rejects.toThrow(new Error(`cannot reach the gridfold API at ${closed}; start it with \`npx gridfold serve\` or pass --api URL (or use --local)`));
  });
});

describe('ApiClient.submit when the answer is a 503', () => {
  // An API whose Redis deadline (300 ms) passes while a submission is still being checked: the
  // API's first plugin check starts a child process and loads gridfold in it (about a second of
  // CPU). It answers 503 and goes on to make the experiment, as an API under load does. Before
  // the Idempotency-Key, a client that sent again on a 503 made a second one.
  let slow: TestApi;
  afterEach(() => slow.close());

  /** A fresh slow API (its first plugin check is a cold one) and a spec with a one-line objective plugin uploaded to it. */
  async function slowApi() {
    slow = await startTestApi({ redisTimeoutMs: 300 });
    const code = 'exports.one = async () => 1;\n';
    const sha = createHash('sha256').update(code).digest('hex');
    await new ApiClient(slow.url).uploadArtifact({ sha256: sha, size: code.length, bytes: Readable.from([Buffer.from(code)]) });
    return { ...spec, name: 'one', plugins: ['./one.js'], artifacts: { './one.js': sha }, estimator: { name: 'one' } };
  }

  it('sends it again under the same key and gets the one experiment it made', async () => {
    const withPlugin = await slowApi();
    const created = await new ApiClient(slow.url).submit(withPlugin, { retries: 20, backoffMs: 100 });
    // 3 folds of one cell; the answer is the replay of the first send's experiment.
    expect(created).toMatchObject({ tasks: 3, replayed: true });
    const posts = slow.requests.filter((r) => r === 'POST /api/experiments');
    expect(posts.length).toBeGreaterThan(1);
    expect(await slow.api.store.list()).toEqual([created.id]);
  });

  it('gives up after its retries with the last answer\'s message', async () => {
    const withPlugin = await slowApi();
    await expect(new ApiClient(slow.url).submit(withPlugin, { retries: 0, backoffMs: 50 })).rejects.toThrow(new ApiError('POST /api/experiments: 503 Redis did not answer within 300 ms; try again shortly', 503));
  });
});
