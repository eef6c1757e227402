import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createApp, type AppDeps, type GridfoldApp } from '@gridfold/api';
import { connectRedis } from '@gridfold/queue';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { deletePrefix } from '../../../../test/helpers/delete-prefix.js';

/** A real API (createApp on the real Redis under a unique prefix) listening on a spare (ephemeral) port. */
export interface TestApi {
  url: string;
  api: GridfoldApp;
  redis: Redis;
  prefix: string;
  /** Method and path of every request the API received, in order. */
  requests: string[];
  /** Stops listening, closes the app and deletes every key under the prefix. */
  close(): Promise<void>;
}

export async function startTestApi(deps: Partial<AppDeps> = {}): Promise<TestApi> {
  const redis = connectRedis();
  const prefix = `test-${randomUUID()}`;
  const api = createApp({ redis, prefix, logger: pino({ level: 'silent' }), dashboardDir: null, ...deps });
  const requests: string[] = [];
  const server = await new Promise<Server>((resolve) => {
    const s = createServer((req, res) => (requests.push(`${req.method} ${req.url}`), api.app(req, res))).listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    api,
    redis,
    prefix,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await api.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
