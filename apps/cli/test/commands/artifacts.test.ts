import { createHash } from 'node:crypto';
import { checkSpec } from '@gridfold/core';
import { ArtifactStore } from '@gridfold/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/commands/artifacts.js';
import { runGridfold } from '../helpers/run-gridfold.js';
import { startTestApi, type TestApi } from '../helpers/test-api.js';

// The real command (`node apps/cli/bin/gridfold.js artifacts ...`) against a real API on a
// spare port, with GRIDFOLD_TOKEN set as a user would. Sizes are hand-chosen.
const TOKEN = 's3cret';
const spec = checkSpec({ name: 'uses', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' } });
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const PLUGIN = Buffer.alloc(5000, 1);
const DATA = Buffer.alloc(300, 2);

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ token: TOKEN, artifacts: { maxTotalBytes: 1024 ** 2 } });
  const store = new ArtifactStore(t.redis, t.prefix);
  await store.put(PLUGIN, { name: 'plugin.js' });
  // Listed newest first by creation time in milliseconds: keep the two apart.
  await new Promise((r) => setTimeout(r, 5));
  await store.put(DATA);
  await t.api.store.create('exp-1', spec);
  await store.use(sha(PLUGIN), 'exp-1');
});
afterAll(() => t.close());

const gridfold = (...args: string[]) => runGridfold(['artifacts', ...args, '--api', t.url], { env: { GRIDFOLD_TOKEN: TOKEN } });

describe('gridfold artifacts', () => {
  it('ls: one line per artifact, newest first (sha256, size, name, experiments), then the total and the bound', async () => {
    const [table, json] = await Promise.all([gridfold('ls'), gridfold('ls', '--json')]);
    expect(table).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        `${sha(DATA)}       300 B  -                         -`,
        `${sha(PLUGIN)}     4.9 KiB  plugin.js                 exp-1`,
        '2 artifact(s), 5.2 KiB of 1.0 MiB',
        '',
      ].join('\n'),
    });
    expect(JSON.parse(json.stdout)).toMatchObject({ artifacts: [{ sha256: sha(DATA), experiments: [] }, { sha256: sha(PLUGIN), experiments: ['exp-1'] }], total_bytes: 5300 });
  });

  it("rm: deletes an artifact no active experiment uses; otherwise one line with the API's refusal, exit 1", async () => {
    const [used, bad, unused] = await Promise.all([gridfold('rm', sha(PLUGIN)), gridfold('rm', 'ABC'), gridfold('rm', sha(DATA))]);
    expect(used).toEqual({
      code: 1,
      stdout: '',
      stderr: `gridfold: DELETE /api/artifacts/${sha(PLUGIN)}: 409 artifact ${sha(PLUGIN)} is used by experiments that have not ended: exp-1\n`,
    });
    expect(bad).toEqual({ code: 1, stdout: '', stderr: 'gridfold: DELETE /api/artifacts/ABC: 400 sha256 must be 64 lowercase hex digits, got "ABC"\n' });
    expect(unused).toEqual({ code: 0, stdout: `deleted ${sha(DATA)}\n`, stderr: '' });
    expect(t.requests.filter((r) => r.startsWith('DELETE')).sort()).toEqual([`DELETE /api/artifacts/ABC`, `DELETE /api/artifacts/${sha(DATA)}`, `DELETE /api/artifacts/${sha(PLUGIN)}`].sort());
  });
});

describe('formatBytes', () => {
  it('writes bytes below 1 KiB as they are, larger sizes in binary units with one decimal', () => {
    expect([0, 300, 1023, 1024, 5000, 1024 ** 2, 1.5 * 1024 ** 3, 2 * 1024 ** 5].map(formatBytes)).toEqual(['0 B', '300 B', '1023 B', '1.0 KiB', '4.9 KiB', '1.0 MiB', '1.5 GiB', '2048.0 TiB']);
  });
});
