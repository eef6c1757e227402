import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from './helpers/test-app.js';

/**
 * A route that finishes after the Redis gate answered 503 (a slow submit on a loaded machine,
 * found by bench/huge-sweep.ts): its late answer must be dropped, not thrown. Express's final
 * handler destroyed the connection for the ERR_HTTP_HEADERS_SENT it raised, so the client's
 * next request on that keep-alive connection failed with "other side closed".
 */
let t: TestApp | undefined;
let server: http.Server | undefined;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await t?.cleanup();
});

function send(agent: http.Agent, port: number, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('an answer that comes after the Redis deadline', () => {
  it('is dropped and logged; the 503 stands and the connection stays usable', async () => {
    // A 20 ms deadline: a submit (spec check, data fingerprint, plan, store and queue writes) takes longer.
    t = openTestApp({ redisTimeoutMs: 20 });
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server!.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    server.on('connection', (s) => sockets.add(s));
    const spec = { name: 'late', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' }, cv: 3 };
    // Redis holds every write for 300 ms, so the submit's writes answer after the deadline however fast the
    // rest of the route is (a warm process, e.g. with the data's fingerprint cached by an earlier test, took under 20 ms).
    await t.redis.call('CLIENT', 'PAUSE', '300', 'WRITE');
    const first = await send(agent, port, 'POST', '/api/experiments', spec);
    expect(first.status).toBe(503);
    expect(JSON.parse(first.body).error).toContain('did not answer within 20 ms');
    // Let the route finish and try to answer 201.
    await new Promise((r) => setTimeout(r, 1500));
    const second = await send(agent, port, 'GET', '/health');
    expect([200, 503]).toContain(second.status);
    // One connection served both: the late answer did not make the server destroy it.
    expect(sockets.size).toBe(1);
    expect(t.logs.some((l) => String(l.msg).includes('late answer'))).toBe(true);
    agent.destroy();
  });
});
