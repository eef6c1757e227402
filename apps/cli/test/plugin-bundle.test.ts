import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluatePlugin } from '@gridfold/core';
import { hostModules } from '@gridfold/queue';
import { afterAll, describe, expect, it } from 'vitest';
import { bundlePlugin } from '../src/local-files.js';

// A plugin bundled as `gridfold run` bundles it, then evaluated as a worker evaluates it.
const dir = mkdtempSync(join(tmpdir(), 'gridfold-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('plugin bundles and the modules workers provide', () => {
  it("runs a plugin that imports zod by a subpath ('zod/v4', 'zod/mini'): the worker provides them from its own copy", async () => {
    writeFileSync(
      join(dir, 'sub.ts'),
      [
        "import { z } from 'zod/v4';",
        "import * as zm from 'zod/mini';",
        'const Space = z.object({ x: z.number().min(0) });',
        'export function objective(params: Record<string, unknown>) {',
        '  const { x } = Space.parse(params);',
        '  return zm.number().parse(1 - x);',
        '}',
      ].join('\n'),
    );
    const bundle = await bundlePlugin('./sub.ts', join(dir, 'sub.ts'));
    expect(bundle.code).toMatch(/require\("zod\/v4"\)/);
    const plugin = evaluatePlugin(bundle.code, bundle.ref, await hostModules(bundle.code));
    // Loading ran the bundle's requires: without the host's zod/v4 and zod/mini it throws here.
    expect([...plugin.objectives.keys()]).toEqual(['objective']);
  });

  it('still refuses a module workers do not provide, naming it', async () => {
    const code = 'const x = require("left-pad"); exports.objective = () => 1;';
    expect(() => evaluatePlugin(code, './lp.js', {})).toThrow(/requires "left-pad", which it does not bundle and workers do not provide/);
  });
});
