import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import { checkSpec } from '@gridfold/core';
import { artifactKeys, ArtifactStore } from '@gridfold/queue';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp } from '../helpers/test-app.js';

// Bounds are hand-chosen and small: 1 KiB chunks, at most 8 KiB per artifact and 12 KiB in all,
// so a 5000-byte upload takes 5 chunks and a second one does not fit. sha256 values are node:crypto's.
const TOKEN = 's3cret';
const auth = { authorization: `Bearer ${TOKEN}` };
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const bytes = (n: number, seed = 1) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251));
const DATA = bytes(5000);
const SHA = sha(DATA);

let t: TestApp;
let server: Server;
let port: number;
beforeAll(async () => {
  t = openTestApp({ token: TOKEN, artifacts: { chunkBytes: 1024, maxArtifactBytes: 8192, maxTotalBytes: 12 * 1024 } });
  server = await new Promise<Server>((resolve) => {
    const s = t.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await t.cleanup();
});

const upload = (data: Buffer, sha256 = sha(data)) =>
  request(t.app).post('/api/artifacts').set(auth).set('content-type', 'application/octet-stream').set('x-artifact-sha256', sha256).send(data);

/** Keys of uploads in progress and the bytes they hold: none once an upload is refused or aborted. */
async function uploadLeftovers(): Promise<string[]> {
  const k = artifactKeys(t.prefix);
  const [, temps] = await t.redis.scan('0', 'MATCH', k.upload('*'), 'COUNT', 10_000);
  return [...temps, ...(await t.redis.hkeys(k.uploads))];
}

/** Polls `check` every 20 ms until it holds; fails after 10 s. */
async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
}

interface Streamed {
  status?: number;
  headers?: IncomingHttpHeaders;
  body?: string;
  /** Bytes the request body produced before the exchange ended. */
  sent: number;
  error?: string;
}

/**
 * POSTs `total` bytes produced lazily in 64 KiB pieces (chunked, no Content-Length unless
 * given), honouring backpressure. Stops producing when the server answers or hangs up, or
 * after `abortAfter` bytes (the client hangs up), or after 15 s.
 */
function streamUpload(total: number, headers: Record<string, string>, { abortAfter }: { abortAfter?: number } = {}): Promise<Streamed> {
  return new Promise((resolve) => {
    const out: Streamed = { sent: 0 };
    let done = false;
    const finish = () => {
      if (!done) (done = true), clearTimeout(deadline), resolve(out);
    };
    const finishSoon = () => setTimeout(finish, 200);
    // A server that neither answers nor hangs up fails the test here rather than at vitest's timeout.
    const deadline = setTimeout(() => ((out.error ??= 'no answer within 15 s'), req.destroy(), finish()), 15_000);
    const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/api/artifacts', headers: { ...auth, 'content-type': 'application/octet-stream', ...headers } });
    req.on('response', (res) => {
      out.status = res.statusCode;
      out.headers = res.headers;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => ((out.body = body), finish()));
    });
    // An answer may still be on its way when the write side fails; give it a moment.
    req.on('error', (err) => ((out.error = err.message), finishSoon()));
    req.on('close', finishSoon);
    const piece = Buffer.alloc(64 * 1024, 7);
    const pump = () => {
      while (!done && out.status === undefined && out.sent < total) {
        if (abortAfter !== undefined && out.sent >= abortAfter) return void (req.destroy(), finishSoon());
        const n = Math.min(piece.length, total - out.sent);
        out.sent += n;
        if (!req.write(piece.subarray(0, n))) return void req.once('drain', pump);
      }
      if (out.sent >= total) req.end();
    };
    pump();
  });
}

describe('POST /api/artifacts', () => {
  it('stores a streamed upload in chunks (201), and answers a re-upload 200 without storing it again', async () => {
    const first = await upload(DATA).set('x-artifact-name', 'data.bin').set('x-artifact-media-type', 'application/x-gridfold-test').expect(201);
    expect(first.body).toEqual({ sha256: SHA, size: 5000, chunks: 5, chunk_bytes: 1024, media_type: 'application/x-gridfold-test', name: 'data.bin', created_at: expect.any(Number), created: true });
    expect(await t.redis.hlen(artifactKeys(t.prefix).chunks(SHA))).toBe(5);
    const again = await upload(DATA).expect(200);
    expect(again.body).toEqual({ ...first.body, created: false });
    // Already stored: answered from the headers, without reading the body.
    const big = await streamUpload(64 * 1024 * 1024, { 'x-artifact-sha256': SHA });
    expect(big).toMatchObject({ status: 200, body: JSON.stringify(again.body) });
    expect(big.sent).toBeLessThan(32 * 1024 * 1024);
    expect((await request(t.app).get('/api/artifacts').set(auth).expect(200)).body.total_bytes).toBe(5000);
  });

  it('takes the sha256 from the query too, and a chunked body of unstated length', async () => {
    const data = bytes(3000, 2);
    const res = await streamUpload(0, {});
    expect(res.status).toBe(400);
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: `/api/artifacts?sha256=${sha(data)}`, headers: { ...auth, 'content-type': 'application/octet-stream' } });
      req.on('response', (r) => (r.resume(), resolve(r.statusCode!)));
      req.on('error', reject);
      req.write(data.subarray(0, 1000));
      setTimeout(() => req.end(data.subarray(1000)), 20);
    });
    expect(streamed).toBe(201);
    await request(t.app).delete(`/api/artifacts/${sha(data)}`).set(auth).expect(200);
  });

  it('refuses bytes whose sha256 is not the stated one with 400 naming both, and keeps nothing', async () => {
    const stated = sha(Buffer.from('not these bytes'));
    const data = bytes(2500, 3);
    const res = await upload(data, stated).expect(400);
    expect(res.body).toEqual({ error: `sha256 of the uploaded bytes is ${sha(data)}, not the stated ${stated}` });
    await request(t.app).head(`/api/artifacts/${stated}`).set(auth).expect(404);
    await request(t.app).head(`/api/artifacts/${sha(data)}`).set(auth).expect(404);
    expect(await uploadLeftovers()).toEqual([]);
  });

  it('answers a missing or malformed sha256, a wrong content type and bad hints with a 4xx naming the value', async () => {
    const post = () => request(t.app).post('/api/artifacts').set(auth);
    expect((await post().set('content-type', 'application/octet-stream').send(DATA).expect(400)).body).toEqual({
      error: 'state the sha256 of the bytes in an x-artifact-sha256 header or a sha256 query parameter',
    });
    expect((await upload(DATA, SHA.toUpperCase()).expect(400)).body).toEqual({ error: `sha256 must be 64 lowercase hex digits, got "${SHA.toUpperCase()}"` });
    expect((await post().query({ sha256: ['a', 'b'] }).set('content-type', 'application/octet-stream').send(DATA).expect(400)).body).toEqual({
      error: 'sha256 must be 64 lowercase hex digits, got ["a","b"]',
    });
    expect((await post().set('x-artifact-sha256', SHA).send({ some: 'json' }).expect(415)).body).toEqual({
      error: 'content-type must be application/octet-stream (the raw bytes), got "application/json"',
    });
    expect((await upload(DATA).set('x-artifact-name', 'x'.repeat(256)).expect(400)).body.error).toBe(`x-artifact-name must be 1 to 255 printable ASCII characters, got "${'x'.repeat(256)}"`);
    expect((await upload(DATA).set('x-artifact-media-type', 'javascript').expect(400)).body).toEqual({ error: 'x-artifact-media-type must be a media type like text/javascript, got "javascript"' });
  });

  it('refuses an artifact over the cap with 413: at once when its length is stated, else as soon as it passes the cap, without reading the rest', async () => {
    const cap = 'artifact is larger than the largest allowed, 8192 bytes (GRIDFOLD_ARTIFACT_UPLOAD_MAX_BYTES)';
    const unstored = sha(Buffer.from('never stored'));
    const stated = await streamUpload(64 * 1024 * 1024, { 'x-artifact-sha256': unstored, 'content-length': String(64 * 1024 * 1024) });
    expect(stated).toMatchObject({ status: 413, body: JSON.stringify({ error: `artifact of ${64 * 1024 * 1024} bytes is larger than the largest allowed, 8192 bytes (GRIDFOLD_ARTIFACT_UPLOAD_MAX_BYTES)` }) });
    // 256 MiB offered, unstated; the server stops at 8 KiB. What the producer got rid of past
    // that is what the sockets' buffers took in before the answer came (a few MiB at most).
    const streamed = await streamUpload(256 * 1024 * 1024, { 'x-artifact-sha256': unstored });
    expect(streamed).toMatchObject({ status: 413, body: JSON.stringify({ error: cap }) });
    expect(streamed.sent).toBeLessThan(32 * 1024 * 1024);
    expect(await uploadLeftovers()).toEqual([]);
  });

  // Raw sockets below: node:http and fetch stop writing by themselves once an answer is in.
  const rawHead = (sha256: string, length: number) =>
    [`POST /api/artifacts HTTP/1.1`, 'host: 127.0.0.1', `authorization: Bearer ${TOKEN}`, 'content-type: application/octet-stream', `x-artifact-sha256: ${sha256}`, `content-length: ${length}`, '', ''].join('\r\n');

  it('answers a refused upload before its end and still lets the rest arrive, so the client reads the answer', async () => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8').on('data', (d: string) => (received += d));
    const answers = (n: number) => waitUntil(() => (received.match(/HTTP\/1\.1 \d{3} /g) ?? []).length >= n);
    // 100 KB stated, over the 8 KiB cap: answered at once; the body that follows is discarded,
    // and the connection then serves the next request.
    socket.write(rawHead(sha(Buffer.from('small overrun')), 100_000));
    await answers(1);
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    socket.write(Buffer.alloc(100_000, 1));
    socket.write(`GET /api/artifacts HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${TOKEN}\r\n\r\n`);
    await answers(2);
    expect(received.slice(received.lastIndexOf('HTTP/1.1 '))).toMatch(/^HTTP\/1\.1 200 /);
    socket.destroy();
  });

  it('cuts the connection of a client that keeps sending after the answer, once 16 MiB more or 2 s have passed', async () => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let sent = 0;
    let received = '';
    socket.setEncoding('utf8').on('data', (d: string) => (received += d));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()).on('error', () => {}));
    socket.write(rawHead(sha(Buffer.from('never stored either')), 2 ** 30));
    const piece = Buffer.alloc(64 * 1024, 9);
    const pump = () => {
      while (!socket.destroyed && sent < 2 ** 30) {
        sent += piece.length;
        if (!socket.write(piece)) return void socket.once('drain', pump);
      }
    };
    pump();
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    // 16 MiB discarded after the answer, plus what the sockets' buffers held.
    expect(sent).toBeLessThan(48 * 1024 * 1024);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await uploadLeftovers()).toEqual([]);
  });

  it('refuses an upload that would pass the total bound with 507, and keeps nothing of it', async () => {
    const data = bytes(8000, 4);
    const res = await upload(data).expect(507);
    expect(res.body).toEqual({
      error: 'artifact store is full: it holds 5000 of its 12288 bytes (GRIDFOLD_ARTIFACTS_MAX_BYTES) and this upload needs 8000; delete artifacts no experiment uses (gridfold artifacts rm)',
    });
    expect(await uploadLeftovers()).toEqual([]);
  });

  it('drops what a client sent before it hung up', async () => {
    const aborted = await streamUpload(6000 * 1024, { 'x-artifact-sha256': sha(bytes(6000)) }, { abortAfter: 4 * 64 * 1024 });
    expect(aborted.status).toBeUndefined();
    for (let i = 0; i < 50 && (await uploadLeftovers()).length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await uploadLeftovers()).toEqual([]);
  });
});

describe('HEAD, GET, list and DELETE /api/artifacts', () => {
  const spec = checkSpec({ name: 'uses', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' } });

  it('describes an artifact (HEAD) and streams it (GET) with its length and hash', async () => {
    await upload(DATA).expect((r) => expect([200, 201]).toContain(r.status));
    const head = await request(t.app).head(`/api/artifacts/${SHA}`).set(auth).expect(200);
    expect(head.headers).toMatchObject({ 'content-length': '5000', 'content-type': 'application/octet-stream', 'x-artifact-sha256': SHA, etag: `"${SHA}"` });
    expect(head.body).toEqual({});
    const get = await request(t.app).get(`/api/artifacts/${SHA}`).set(auth).buffer(true).parse((res, done) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => done(null, Buffer.concat(parts)));
    });
    expect(get.status).toBe(200);
    expect(get.headers['content-length']).toBe('5000');
    expect(get.headers['x-artifact-sha256']).toBe(SHA);
    expect(Buffer.compare(get.body as Buffer, DATA)).toBe(0);
  });

  it('lists artifacts with sizes and the experiments using each; refuses a delete (409) while one is active', async () => {
    const store = new ArtifactStore(t.redis, t.prefix);
    await t.store.create('active-exp', spec);
    await t.store.create('ended-exp', spec);
    await t.store.finish('ended-exp', 'completed');
    await store.use(SHA, 'active-exp');
    await store.use(SHA, 'ended-exp');
    const list = await request(t.app).get('/api/artifacts').set(auth).expect(200);
    expect(list.body).toEqual({
      artifacts: [expect.objectContaining({ sha256: SHA, size: 5000, chunks: 5, experiments: ['active-exp', 'ended-exp'] })],
      total_bytes: 5000,
      max_bytes: 12 * 1024,
    });
    const refused = await request(t.app).delete(`/api/artifacts/${SHA}`).set(auth).expect(409);
    expect(refused.body).toEqual({ error: `artifact ${SHA} is used by experiments that have not ended: active-exp`, experiments: ['active-exp'] });
    await t.store.finish('active-exp', 'cancelled');
    expect((await request(t.app).delete(`/api/artifacts/${SHA}`).set(auth).expect(200)).body).toEqual({ sha256: SHA, deleted: true });
    expect((await request(t.app).get(`/api/artifacts/${SHA}`).set(auth).expect(404)).body).toEqual({ error: `no artifact ${SHA}` });
    expect((await request(t.app).delete(`/api/artifacts/${SHA}`).set(auth).expect(404)).body).toEqual({ error: `no artifact ${SHA}` });
    expect((await request(t.app).get('/api/artifacts').set(auth).expect(200)).body).toEqual({ artifacts: [], total_bytes: 0, max_bytes: 12 * 1024 });
  });

  it('answers a malformed sha with 400 naming it, on every route that takes one', async () => {
    const bad = { error: 'sha256 must be 64 lowercase hex digits, got "not-a-sha"' };
    expect((await request(t.app).get('/api/artifacts/not-a-sha').set(auth).expect(400)).body).toEqual(bad);
    expect((await request(t.app).delete('/api/artifacts/not-a-sha').set(auth).expect(400)).body).toEqual(bad);
    await request(t.app).head('/api/artifacts/not-a-sha').set(auth).expect(400);
  });

  it('needs the token on every route', async () => {
    await request(t.app).post('/api/artifacts').set('content-type', 'application/octet-stream').set('x-artifact-sha256', SHA).send(DATA).expect(401);
    await request(t.app).get('/api/artifacts').expect(401);
    await request(t.app).head(`/api/artifacts/${SHA}`).expect(401);
    await request(t.app).get(`/api/artifacts/${SHA}`).expect(401);
    await request(t.app).delete(`/api/artifacts/${SHA}`).set('authorization', 'Bearer wrong').expect(401);
  });
});
