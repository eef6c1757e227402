import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppDeps } from '../src/create-app.js';
import { openTestApp, type TestApp } from './helpers/test-app.js';

// Who may scrape GET /metrics, for each combination of the API token, public reads and the
// metrics token; and what it says about an empty deployment. The values during a sweep with
// real workers are tested in test/metrics.test.ts.

let app: TestApp | undefined;
afterEach(async () => {
  await app?.cleanup();
  app = undefined;
});

/** The statuses of GET /metrics with no token, the API token, the metrics token, and of GET /api/experiments with the metrics token. */
async function statuses(deps: Partial<AppDeps>): Promise<Record<string, number>> {
  app = openTestApp(deps);
  const get = (path: string, token?: string) => (token ? request(app!.app).get(path).set('authorization', `Bearer ${token}`) : request(app!.app).get(path));
  return {
    none: (await get('/metrics')).status,
    api: (await get('/metrics', 'api-t0k')).status,
    metrics: (await get('/metrics', 'm3t')).status,
    wrong: (await get('/metrics', 'nope')).status,
    experimentsWithMetricsToken: (await get('/api/experiments', 'm3t')).status,
  };
}

describe('GET /metrics: access', () => {
  it('is open when the API has no token at all', async () => {
    expect(await statuses({})).toMatchObject({ none: 200, wrong: 200 });
  });

  it('is a read: with the API token it needs that token, unless reads are public', async () => {
    expect(await statuses({ token: 'api-t0k' })).toEqual({ none: 401, api: 200, metrics: 401, wrong: 401, experimentsWithMetricsToken: 401 });
    await app!.cleanup();
    expect(await statuses({ token: 'api-t0k', publicRead: true })).toMatchObject({ none: 200, api: 200 });
  });

  it('also opens to the metrics token, which opens nothing else', async () => {
    expect(await statuses({ token: 'api-t0k', metricsToken: 'm3t' })).toEqual({ none: 401, api: 200, metrics: 200, wrong: 401, experimentsWithMetricsToken: 401 });
  });

  it('needs the metrics token when it is the only token', async () => {
    expect(await statuses({ metricsToken: 'm3t' })).toMatchObject({ none: 401, metrics: 200, wrong: 401, experimentsWithMetricsToken: 200 });
  });
});

describe('GET /metrics: an empty deployment', () => {
  it('answers Prometheus text with every gridfold metric at zero, named by the conventions (units, _total)', async () => {
    app = openTestApp();
    const res = await request(app.app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8/);
    const types = Object.fromEntries([...res.text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
    expect(types).toEqual({
      gridfold_jobs_waiting: 'gauge',
      gridfold_jobs_running: 'gauge',
      gridfold_queue_jobs: 'gauge',
      gridfold_tasks_completed_total: 'counter',
      gridfold_tasks_failed_total: 'counter',
      gridfold_task_duration_seconds: 'histogram',
      gridfold_workers_alive: 'gauge',
      gridfold_experiments: 'gauge',
      gridfold_experiments_stored: 'gauge',
      gridfold_redis_used_memory_bytes: 'gauge',
      gridfold_redis_max_memory_bytes: 'gauge',
      gridfold_task_cache_bytes: 'gauge',
    });
    for (const line of ['gridfold_jobs_waiting 0', 'gridfold_tasks_completed_total 0', 'gridfold_workers_alive 0', 'gridfold_experiments{status="queued"} 0', 'gridfold_queue_jobs{state="prioritized"} 0']) {
      expect(res.text.split('\n')).toContain(line);
    }
    expect(Number(/^gridfold_redis_used_memory_bytes (\d+)$/m.exec(res.text)?.[1])).toBeGreaterThan(0);
  });

  it('lists no worker', async () => {
    app = openTestApp();
    expect((await request(app.app).get('/api/workers').expect(200)).body).toEqual({ workers: [] });
  });
});
