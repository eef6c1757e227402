import { readFileSync } from 'node:fs';
import { checkListen, ListenRefusedError } from '@gridfold/api';
import { loadConfig } from '@gridfold/core';
import { describe, expect, it } from 'vitest';

// There is no Docker engine here (DESIGN.md), and no YAML parser among the dependencies: the
// compose file and the Dockerfile are checked as text, service by service. Each `command:` is
// a one-line flow sequence, which is JSON, so it is parsed as such.
const compose = readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8');
const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');

/** The lines of one service (two-space indent under `services:`), comments dropped. */
function service(name: string): string {
  const lines = compose.split('\n').filter((l) => !/^\s*#/.test(l));
  const start = lines.indexOf(`  ${name}:`);
  expect(start, `service ${name}`).toBeGreaterThan(-1);
  const end = lines.findIndex((l, i) => i > start && /^( {2})?\S/.test(l));
  return lines.slice(start + 1, end).join('\n');
}

function command(name: string): string[] {
  return JSON.parse(/^ {4}command: (\[.*\])$/m.exec(service(name))![1]);
}

/** Compose's `${NAME:?message}` and `${NAME:-default}` (unset or empty both count as missing). */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{(\w+):([?-])([^}]*)\}/g, (_, name: string, kind: string, rest: string) => {
    if (env[name]) return env[name];
    if (kind === '?') throw new Error(`required variable ${name} is missing a value: ${rest}`);
    return rest;
  });
}

describe('docker-compose.yml', () => {
  it('restarts every service unless it was stopped', () => {
    for (const name of ['redis', 'api', 'worker']) expect(service(name), name).toMatch(/^ {4}restart: unless-stopped$/m);
  });

  it('runs Redis with AOF, a maxmemory of 1gb and noeviction', () => {
    const args = command('redis');
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect([value('--appendonly'), value('--maxmemory'), value('--maxmemory-policy')]).toEqual(['yes', '1gb', 'noeviction']);
  });

  it('will not start the API, which listens on 0.0.0.0, without a token; with one, gridfold accepts it', () => {
    const api = service('api');
    expect(() => interpolate(api, {})).toThrow('required variable GRIDFOLD_TOKEN is missing a value: set GRIDFOLD_TOKEN');
    expect(() => interpolate(api, { GRIDFOLD_TOKEN: '' })).toThrow('GRIDFOLD_TOKEN');
    expect(interpolate(api, { GRIDFOLD_TOKEN: 't0k' })).toMatch(/^ {6}GRIDFOLD_TOKEN: t0k$/m);
    const args = command('api');
    expect(args).not.toContain('--insecure');
    const host = args[args.indexOf('--host') + 1];
    expect(host).toBe('0.0.0.0');
    // The same refusal gridfold itself makes, had compose let it through.
    expect(() => checkListen({ host })).toThrow(ListenRefusedError);
    expect(checkListen({ host, token: 't0k' })).toBeNull();
  });
});

describe('docker-compose.yml: sweeps of users\' files and code (issue 14)', () => {
  /** `NAME: value` lines of a service's environment, with compose's defaults applied. */
  function environment(name: string, env: Record<string, string> = {}): Record<string, string> {
    const text = interpolate(service(name), { GRIDFOLD_TOKEN: 't0k', ...env });
    const block = /^ {4}environment:\n((?: {6}.*\n?)*)/m.exec(text)?.[1] ?? '';
    return Object.fromEntries(block.split('\n').filter(Boolean).map((l) => /^ {6}(\w+): (.*)$/.exec(l)!.slice(1, 3) as [string, string]));
  }
  const bytes = (v: string) => (/^\d+gb$/.test(v) ? Number(v.slice(0, -2)) * 1024 ** 3 : Number(v));

  it('gives workers no data volume and no data directory: CSV files and plugins reach them as artifacts through Redis', () => {
    expect(service('worker')).not.toMatch(/^ {4}volumes:/m);
    const env = environment('worker');
    expect(Object.keys(env)).not.toContain('GRIDFOLD_DATA_DIR');
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    // The cache is under the unprivileged user's home, which it can write.
    expect(env.GRIDFOLD_ARTIFACT_CACHE_DIR).toMatch(/^\/home\/node\//);
  });

  it('turns plugins on or off for the API and the workers together', () => {
    expect(environment('api').GRIDFOLD_ALLOW_PLUGINS).toBe('true');
    expect(environment('worker').GRIDFOLD_ALLOW_PLUGINS).toBe('true');
    expect(interpolate(service('worker'), { GRIDFOLD_ALLOW_PLUGINS: 'false' })).toMatch(/GRIDFOLD_ALLOW_PLUGINS: false/);
    expect(interpolate(service('api'), { GRIDFOLD_TOKEN: 't', GRIDFOLD_ALLOW_PLUGINS: 'false' })).toMatch(/GRIDFOLD_ALLOW_PLUGINS: false/);
  });

  it('passes a metrics token to the API when one is set, and none (so /metrics needs GRIDFOLD_TOKEN) when not', () => {
    expect(loadConfig(environment('api', { GRIDFOLD_METRICS_TOKEN: 'm3t' }))).toMatchObject({ token: 't0k', metricsToken: 'm3t' });
    expect(loadConfig(environment('api')).metricsToken).toBeUndefined();
  });

  it('bounds uploaded artifacts well under Redis\' maxmemory, so uploads cannot fill it', () => {
    const args = command('redis');
    const maxmemory = bytes(args[args.indexOf('--maxmemory') + 1]);
    expect(bytes(environment('api').GRIDFOLD_ARTIFACTS_MAX_BYTES)).toBeLessThanOrEqual(maxmemory / 2);
  });
});

describe('Dockerfile', () => {
  it('runs as the unprivileged node user, which owns only the data directory', () => {
    const lines = dockerfile.split('\n');
    const users = lines.filter((l) => l.startsWith('USER '));
    expect(users).toEqual(['USER node']);
    const user = lines.indexOf('USER node');
    expect(lines.findIndex((l) => l.startsWith('RUN ') && l.includes('chown node:node /app/data'))).toBeLessThan(user);
    expect(lines.findIndex((l) => l.startsWith('CMD '))).toBeGreaterThan(user);
    expect(lines.slice(user).some((l) => l.startsWith('RUN '))).toBe(false);
  });
});
