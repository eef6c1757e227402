import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSpecFile } from '../src/spec-file.js';

const dir = mkdtempSync(join(tmpdir(), 'gridfold-spec-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readSpecFile', () => {
  it('returns the parsed JSON, unchecked (checking is the API or runner\'s job)', async () => {
    writeFileSync(join(dir, 'ok.json'), '{"name": "x", "extra": [1, 2]}');
    expect(await readSpecFile(join(dir, 'ok.json'))).toEqual({ name: 'x', extra: [1, 2] });
  });

  it('names the file and the system error code when it cannot be read', async () => {
    await expect(readSpecFile(join(dir, 'missing.json'))).rejects.toThrow(new Error(`cannot read spec ${join(dir, 'missing.json')}: ENOENT`));
    await expect(readSpecFile(dir)).rejects.toThrow(new Error(`cannot read spec ${dir}: EISDIR`));
  });

  it('names the file and the parser\'s complaint when it is not JSON', async () => {
    writeFileSync(join(dir, 'bad.json'), '{"name":');
    // The complaint is V8's JSON.parse message for this text.
    await expect(readSpecFile(join(dir, 'bad.json'))).rejects.toThrow(new Error(`spec ${join(dir, 'bad.json')} is not valid JSON: Unexpected end of JSON input`));
  });
});
