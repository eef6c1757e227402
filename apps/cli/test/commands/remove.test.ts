import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createApp, type GridfoldApp } from '@gridfold/api';
import { connectRedis } from '@gridfold/queue';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api-client.js';
import { removeExperiment } from '../../src/commands/remove.js';
import { formatBytes } from '../../src/report.js';

// A real API (createApp on the real Redis, a unique prefix, an ephemeral port), no workers.
const spec = { name: 'rm', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: { n_splits: 3, subset: 300 }, refit: false };
const redis = connectRedis();
const prefix = `test-${randomUUID()}`;
let api: GridfoldApp;
let server: Server;
let client: ApiClient;

beforeAll(async () => {
  api = createApp({ redis, prefix, logger: pino({ level: 'silent' }), dashboardDir: null });
  server = await new Promise((resolve) => {
    const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  client = new ApiClient(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await api.close();
  const found = await redis.keys(`${prefix}:*`);
  if (found.length) await redis.del(...found);
  redis.disconnect();
});

describe('gridfold rm', () => {
  it('refuses a queued experiment without --cancel, and with it cancels, then deletes it', async () => {
    const { id } = await client.submit(spec);
    await expect(removeExperiment(client, id, false)).rejects.toThrow(`DELETE /api/experiments/${id}?purge=true: 409 experiment ${id} is queued; cancel it first`);
    // The cancel removed its jobs, none of which had started.
    expect(await removeExperiment(client, id, true, 10)).toMatchObject({ id, purged: true, removed_jobs: 0 });
    expect(await redis.keys(`${prefix}:*${id}*`)).toEqual([]);
  });

  it('prints bytes 1024-based, as Redis writes them', () => {
    expect([80, 2048, 2.5 * 1024 ** 2, 3 * 1024 ** 3].map(formatBytes)).toEqual(['80 B', '2.0 KB', '2.5 MB', '3.0 GB']);
  });
});
