import { connectRedis } from '@gridfold/queue';
import type { Server } from 'node:http';
import { createApp } from './create-app.js';

/** Options for {@link startApi}. */
export interface ApiOptions {
  /** @defaultValue 3000 */
  port?: number;
  /** @defaultValue `"127.0.0.1"` */
  host?: string;
  prefix?: string;
}

/** Starts the API on a port; resolves once it listens. */
export async function startApi(options: ApiOptions = {}): Promise<{ server: Server; close(): Promise<void> }> {
  const redis = connectRedis();
  const { app, close } = createApp({ redis, prefix: options.prefix ?? process.env.GRIDFOLD_PREFIX, token: process.env.GRIDFOLD_TOKEN || undefined });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => resolve(s));
  });
  return {
    server,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await close();
      redis.disconnect();
    },
  };
}
