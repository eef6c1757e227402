import { parseCircular, parseDependencyTree } from 'dpdm';
import { describe, expect, it } from 'vitest';

/**
 * Every runtime import cycle in the workspaces' sources, found by dpdm: packages' and apps'
 * files as entries, type-only imports dropped (they vanish when TypeScript is compiled). A
 * workspace import (`@gridfold/core`) resolves to that workspace's source, so a cycle between
 * two workspaces (say core -> api -> core) is caught too.
 */
async function cycles(patterns: string[]): Promise<string[][]> {
  const tree = await parseDependencyTree(patterns, { context: process.cwd(), transform: true, skipDynamicImports: false, tsconfig: 'tsconfig.json' });
  return parseCircular(tree);
}

/** The steps of the data flow, in order: each folder of packages/core/src may import only earlier ones. */
const STEPS = ['spec', 'search', 'plan', 'evaluate', 'aggregate', 'refit', 'report', 'runner'];

/** Imports (type-only ones too) from a folder of packages/core/src into a step of the flow that comes later, or from a folder below the flow into any step. */
async function backwardArrows(): Promise<string[]> {
  const tree = await parseDependencyTree('packages/core/src/**/*.ts', { context: process.cwd(), transform: false, tsconfig: 'tsconfig.json' });
  const folder = (file: string) => /^packages\/core\/src\/([^/]+)\//.exec(file)?.[1];
  const rank = (f: string | undefined) => (f === undefined ? -2 : STEPS.indexOf(f));
  const wrong: string[] = [];
  for (const [file, deps] of Object.entries(tree)) {
    for (const dep of deps ?? []) {
      const [from, to] = [rank(folder(file)), rank(dep.id ? folder(dep.id) : undefined)];
      if (to >= 0 && to > from && folder(file) !== undefined) wrong.push(`${file} -> ${dep.id}`);
    }
  }
  return wrong;
}

describe('imports', () => {
  it('have no cycle anywhere in packages/ and apps/', async () => {
    expect(await cycles(['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts'])).toEqual([]);
  });

  it('follow the data flow in packages/core: no step imports a later one, nothing below the flow imports a step', async () => {
    expect(await backwardArrows()).toEqual([]);
  });
});
