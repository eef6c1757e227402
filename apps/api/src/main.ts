import type { GridfoldConfig } from '@gridfold/core';
import { connectRedis } from '@gridfold/queue';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp } from './create-app.js';
import { checkListen, isLoopbackHost } from './listen-policy.js';

/** Settings of {@link startApi}: the parts of the config the API uses, and its logger. */
export interface ApiOptions extends Pick<GridfoldConfig, 'redisUrl' | 'prefix' | 'token' | 'publicRead' | 'insecure' | 'readsPerMinute' | 'dataDir' | 'port' | 'host' | 'retentionDays'> {
  logger?: Logger;
}

/**
 * Starts the API on a port with its own Redis connection; resolves once it listens. On
 * loopback it answers only Host names of loopback (DNS rebinding); beyond it, only with a token
 * or `insecure` (see {@link checkListen}, which throws before anything starts).
 */
export async function startApi(options: ApiOptions): Promise<{ server: Server; close(): Promise<void> }> {
  checkListen(options);
  const redis = connectRedis(options.redisUrl);
  const { app, close } = createApp({
    redis,
    prefix: options.prefix,
    token: options.token,
    publicRead: options.publicRead,
    readsPerMinute: options.readsPerMinute,
    loopbackOnly: isLoopbackHost(options.host),
    logger: options.logger,
    limits: { dataDir: options.dataDir },
    retention: { retentionDays: options.retentionDays },
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
