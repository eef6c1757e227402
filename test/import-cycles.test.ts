import { parseCircular, parseDependencyTree } from 'dpdm';
import { describe, expect, it } from 'vitest';

/**
 * Every runtime import cycle in the workspaces' sources, found by dpdm: packages' and apps'
 * files as entries, type-only imports dropped (they vanish when TypeScript is compiled), and
 * the workspaces' own packages followed through node_modules so a cycle between two
 * workspaces (say core -> queue -> core) is caught too.
 */
async function cycles(patterns: string[]): Promise<string[][]> {
  const tree = await parseDependencyTree(patterns, {
    context: process.cwd(),
    transform: true,
    skipDynamicImports: false,
    exclude: /node_modules\/(?!@gridfold\/)/,
    tsconfig: 'tsconfig.json',
  });
  return parseCircular(tree);
}

describe('imports', () => {
  it('have no cycle anywhere in packages/ and apps/', async () => {
    expect(await cycles(['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts'])).toEqual([]);
  });
});
