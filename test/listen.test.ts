import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ListenRefusedError, startApi } from '@gridfold/api';
import { freePort } from '@gridfold/cli';
import { connectRedis } from '@gridfold/queue';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, REDIS_URL } from './helpers/cluster.js';

// Where the API listens decides what it accepts (issue 13, "no open door by default"): the real
// startApi and the real `gridfold serve`, on ephemeral ports, under a unique Redis prefix.
const BIN = fileURLToPath(new URL('../apps/cli/bin/gridfold.js', import.meta.url));
const prefix = `test-${randomUUID()}`;
const redis = connectRedis(REDIS_URL);
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const settings = { redisUrl: REDIS_URL, prefix, dataDir: '/nonexistent', publicRead: false, insecure: false, readsPerMinute: 600, retentionDays: 0, logger: pino({ level: 'silent' }) };

/** GET /health on 127.0.0.1:port with this Host header: the status. */
function health(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => get({ host: '127.0.0.1', port, path: '/health', headers: { host } }, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject));
}

describe('startApi', () => {
  it('on loopback answers only loopback Host names', async () => {
    const port = await freePort();
    const api = await startApi({ ...settings, host: '127.0.0.1', port });
    try {
      expect(await health(port, `localhost:${port}`)).toBe(200);
      expect(await health(port, `rebind.example:${port}`)).toBe(403);
    } finally {
      await api.close();
    }
  });

  it('beyond loopback: refuses without a token, serves any Host with one or with insecure', async () => {
    await expect(startApi({ ...settings, host: '0.0.0.0', port: 0 })).rejects.toThrow(ListenRefusedError);
    for (const extra of [{ token: 't' }, { insecure: true }]) {
      const port = await freePort();
      const api = await startApi({ ...settings, ...extra, host: '0.0.0.0', port });
      try {
        expect(await health(port, `gridfold.lan:${port}`)).toBe(200);
      } finally {
        await api.close();
      }
    }
  });
});

describe('gridfold serve --insecure', () => {
  it('listens beyond loopback without a token, after a warning that says what that opens', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve', '--workers', '0', '--host', '0.0.0.0', '--port', String(port), '--insecure', '--json'], {
      env: { ...process.env, REDIS_URL, GRIDFOLD_PREFIX: prefix, GRIDFOLD_TOKEN: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stderr!.on('data', (chunk) => ((stderr += chunk), stderr.includes('gridfold API at') && resolve()));
        child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
      });
      const warning = stderr.split('\n').map((l) => (l ? JSON.parse(l) : {})).find((l) => l.level === 40);
      expect(warning?.msg).toBe(`INSECURE: the API listens on 0.0.0.0 without a token (--insecure): anyone who reaches it can read every experiment, run code on the workers and use Bull Board's actions`);
      expect(await health(port, `gridfold.lan:${port}`)).toBe(200);
    } finally {
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : (child.once('exit', resolve), child.kill('SIGTERM'))));
    }
  }, 60_000);
});

/** Pids of live processes whose environment holds `GRIDFOLD_PREFIX=<prefix>` (Linux /proc). */
function processesOf(prefixValue: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`GRIDFOLD_PREFIX=${prefixValue}`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

describe('gridfold start --port 0', () => {
  it('serves on the port the system gave, and stops its workers when the spec cannot be run', async () => {
    const own = `${prefix}-start`;
    const child = spawn(process.execPath, [BIN, 'start', '--workers', '1', '--port', '0', '--spec', '/nonexistent/spec.json', '--json'], {
      env: { ...process.env, REDIS_URL, GRIDFOLD_PREFIX: own },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('gridfold: cannot read spec /nonexistent/spec.json');
    const url = stderr.split('\n').filter(Boolean).map((l) => (l.startsWith('{') ? JSON.parse(l) : {})).find((l) => l.url)?.url as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toMatch(/:0$/);
    expect(processesOf(own)).toEqual([]);
  }, 60_000);
});
