import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { connectRedis } from '@gridfold/queue';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { createApp, type AppDeps, type GridfoldApp } from '../../src/create-app.js';
import { deletePrefix } from '../../../../test/helpers/delete-prefix.js';

/** An API on the real Redis under its own prefix, with the log lines it wrote. */
export interface TestApp extends GridfoldApp {
  prefix: string;
  /** The app's own connection, for arranging state the routes then read. */
  redis: Redis;
  /** Parsed pino lines, in order. */
  logs: Array<Record<string, unknown>>;
  /** Closes the app and its connection and deletes every key under the prefix. */
  cleanup(): Promise<void>;
}

/** Opens an app the way `test/` does (a unique `test-<uuid>` prefix), plus a log to assert on. */
export function openTestApp(extra: Partial<AppDeps> = {}): TestApp {
  const redis = connectRedis();
  const prefix = `test-${randomUUID()}`;
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const app = createApp({ redis, prefix, logger: pino({ level: 'info' }, sink), dashboardDir: null, ...extra });
  return {
    ...app,
    prefix,
    redis,
    logs,
    async cleanup() {
      // BullMQ's keys are under the prefix too, so the scan below removes the queue as well.
      await app.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
