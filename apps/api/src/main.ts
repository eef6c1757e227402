import { createLogger, type GridfoldConfig } from '@gridfold/core';
import { connectRedis, keyPrefixFor, resolveQueueShards } from '@gridfold/queue';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp } from './create-app.js';
import { checkListen, isLoopbackHost } from './listen-policy.js';
import { Reaper } from './reaper.js';

/** Settings of {@link startApi}: the parts of the config the API uses, and its logger. */
export interface ApiOptions extends Pick<GridfoldConfig, 'redisUrl' | 'prefix' | 'queueShards' | 'token' | 'publicRead' | 'insecure' | 'readsPerMinute' | 'dataDir' | 'port' | 'host' | 'retentionDays'>, Partial<Pick<GridfoldConfig, 'reaperIntervalMs' | 'reaperGraceMs' | 'artifactsMaxBytes' | 'artifactUploadMaxBytes' | 'allowPlugins' | 'metricsToken' | 'metricsExperiments' | 'maxCellFolds'>> {
  logger?: Logger;
}

/**
 * Starts the API on a port with its own Redis connection, and its {@link Reaper}; resolves
 * once it listens. On loopback it answers only Host names of loopback (DNS rebinding); beyond
 * it, only with a token or `insecure` (see {@link checkListen}, which throws before anything starts).
 */
export async function startApi(options: ApiOptions): Promise<{ server: Server; reaper: Reaper; close(): Promise<void> }> {
  checkListen(options);
  const redis = connectRedis(options.redisUrl);
  const log = options.logger ?? createLogger({ logFormat: 'auto', logLevel: 'info' }, 'api');
  // The deployment's queue shards, stored in Redis by its first API or worker.
  const queueShards = await resolveQueueShards(redis, keyPrefixFor(redis, options.prefix), options.queueShards);
  const { app, store, shards, prefix, close } = createApp({
    redis,
    prefix: options.prefix,
    queueShards,
    token: options.token,
    publicRead: options.publicRead,
    readsPerMinute: options.readsPerMinute,
    loopbackOnly: isLoopbackHost(options.host),
    logger: log,
    limits: { dataDir: options.dataDir, ...(options.maxCellFolds !== undefined && { maxCellFolds: options.maxCellFolds }) },
    retention: { retentionDays: options.retentionDays },
    artifacts: { maxTotalBytes: options.artifactsMaxBytes, maxArtifactBytes: options.artifactUploadMaxBytes },
    allowPlugins: options.allowPlugins,
    metricsToken: options.metricsToken,
    metricsExperiments: options.metricsExperiments,
  });
  const reaper = new Reaper({ redis, store, shards, prefix, intervalMs: options.reaperIntervalMs, graceMs: options.reaperGraceMs });
  reaper.on('reaped', (id: string, error: string) => log.warn({ experiment: id, err: error }, 'experiment failed: nothing left to run it'));
  reaper.on('error', (err: Error) => log.warn({ err: err.message }, 'could not look for experiments with no job'));
  reaper.start();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(options.port, options.host, () => resolve(s));
  });
  return {
    server,
    reaper,
    async close() {
      await reaper.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await close();
      redis.disconnect();
    },
  };
}
