import type { GridfoldConfig } from '@gridfold/core';
import { connectRedis } from '@gridfold/queue';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp } from './create-app.js';

/** Settings of {@link startApi}: the parts of the config the API uses, and its logger. */
export interface ApiOptions extends Pick<GridfoldConfig, 'redisUrl' | 'prefix' | 'token' | 'dataDir' | 'port' | 'host' | 'artifactsMaxBytes' | 'artifactUploadMaxBytes'> {
  logger?: Logger;
}

/** Starts the API on a port with its own Redis connection; resolves once it listens. */
export async function startApi(options: ApiOptions): Promise<{ server: Server; close(): Promise<void> }> {
  const redis = connectRedis(options.redisUrl);
  const { app, close } = createApp({
    redis,
    prefix: options.prefix,
    token: options.token,
    logger: options.logger,
    limits: { dataDir: options.dataDir },
    artifacts: { maxTotalBytes: options.artifactsMaxBytes, maxArtifactBytes: options.artifactUploadMaxBytes },
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(options.port, options.host, () => resolve(s));
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
