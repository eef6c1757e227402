import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type GridfoldApp } from '@gridfold/api';
import { connectRedis } from '@gridfold/queue';
import { createWorker, type GridfoldWorker } from '@gridfold/worker';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, waitFor } from './helpers/cluster.js';
import { mnistIdxDir } from './helpers/data-dir.js';

/**
 * A worker's sandboxed processors follow the settings the worker was created with: the
 * environment it inherited points at a Redis that is not there and an empty data directory,
 * so a child that read them would never connect, or would not find the dataset.
 */
const prefix = `test-${randomUUID()}`;
let redis: Redis;
let api: GridfoldApp;
let worker: GridfoldWorker;
let dataDir: string;

beforeAll(async () => {
  const data = await mnistIdxDir(300);
  dataDir = data.dir;
  redis = connectRedis(REDIS_URL);
  const silent = pino({ level: 'silent' });
  api = createApp({ redis, prefix, logger: silent, limits: { dataDir } });
  const inherited = { REDIS_URL: process.env.REDIS_URL, GRIDFOLD_DATA_DIR: process.env.GRIDFOLD_DATA_DIR };
  process.env.REDIS_URL = 'redis://127.0.0.1:1';
  process.env.GRIDFOLD_DATA_DIR = mkdtempSync(join(tmpdir(), 'gridfold-empty-'));
  try {
    worker = createWorker({ connection: redis, redisUrl: REDIS_URL, prefix, dataDir, threads: 1, refitThreads: 1, logger: silent, log: { logFormat: 'json', logLevel: 'silent' } });
  } finally {
    for (const [name, value] of Object.entries(inherited)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  const stale = await redis.keys(`${prefix}:*`);
  if (stale.length) await redis.del(...stale);
  redis?.disconnect();
});

describe('createWorker', () => {
  it('gives its sandboxed processors its own Redis and data directory, not the inherited environment', async () => {
    const spec = {
      name: 'worker-settings',
      dataset: { source: 'idx', train_images: 'images.idx', train_labels: 'labels.idx' },
      estimator: { name: 'KNeighborsClassifier' },
      param_grid: { n_neighbors: [1, 3] },
      cv: 3,
      refit: false,
    };
    const { body } = await request(api.app).post('/api/experiments').send(spec).expect(201);
    const view = await waitFor(
      async () => {
        const r = await request(api.app).get(`/api/experiments/${body.id}`).expect(200);
        return ['completed', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
      },
      60_000,
      `experiment ${body.id} to finish`,
    );
    expect(view.status, view.error).toBe('completed');
    expect(view.result.cv_results.params).toHaveLength(2);
  });
});
