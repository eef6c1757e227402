import { describe, expect, it } from 'vitest';
import { checkBounds, MAX_SPEC_DEPTH, MAX_SPEC_ENTRIES, MAX_SPEC_STRING } from '../../src/spec/bounds.js';
import { parseSpec } from '../../src/spec/validate.js';
import { specIssues } from './spec-issues.js';

const ok = { name: 'x', dataset: { source: 'mnist' }, estimator: { name: 'KNeighborsClassifier' } };

/** `levels` lists nested in each other, built without recursion. */
function nested(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

function issuesOf(input: unknown) {
  return specIssues(() => parseSpec(input));
}

describe('spec depth and size bounds', () => {
  it('refuses 100,000 nested lists as a parameter value with a SpecError naming the field, not a stack overflow', () => {
    const deep = nested(100_000);
    const inParams = issuesOf({ ...ok, estimator: { name: 'KNeighborsClassifier', params: { weights: deep } } });
    expect(inParams).toHaveLength(1);
    expect(inParams[0].path).toMatch(/^estimator\.params\.weights(\.0)+$/);
    expect(inParams[0].message).toBe(`nests lists or objects more than ${MAX_SPEC_DEPTH} levels deep (counting the spec itself), the limit`);
    expect(issuesOf({ ...ok, param_grid: { weights: [deep] } })[0].path).toMatch(/^param_grid\.weights(\.0)+$/);
  });

  it(`allows ${MAX_SPEC_DEPTH} levels counting the spec, and refuses the next at the list that goes deeper`, () => {
    // spec, estimator, params: 3 levels; the value adds the rest.
    const spec = (levels: number) => ({ ...ok, estimator: { name: 'KNeighborsClassifier', params: { w: nested(levels) } } });
    expect(checkBounds(spec(MAX_SPEC_DEPTH - 3))).toEqual([]);
    const over = checkBounds(spec(MAX_SPEC_DEPTH - 2));
    expect(over).toHaveLength(1);
    expect(over[0].path).toBe(`estimator.params.w${'.0'.repeat(MAX_SPEC_DEPTH - 3)}`);
  });

  it('refuses a list or object of more than 10,000 entries and a string of more than 10,000 characters', () => {
    expect(checkBounds({ ...ok, param_grid: { n_neighbors: Array(MAX_SPEC_ENTRIES).fill(1) } })).toEqual([]);
    expect(checkBounds({ ...ok, param_grid: { n_neighbors: Array(MAX_SPEC_ENTRIES + 1).fill(1) } })).toEqual([
      { path: 'param_grid.n_neighbors', message: 'is a list of 10001 entries, more than the limit of 10000' },
    ]);
    const wide = Object.fromEntries(Array.from({ length: MAX_SPEC_ENTRIES + 1 }, (_, i) => [`p${i}`, 1]));
    expect(checkBounds({ ...ok, estimator: { name: 'SVC', params: wide } })).toEqual([
      { path: 'estimator.params', message: 'is an object with 10001 entries, more than the limit of 10000' },
    ]);
    expect(checkBounds({ ...ok, description: 'x'.repeat(MAX_SPEC_STRING + 1) })).toEqual([
      { path: 'description', message: 'is a string of 10001 characters, more than the limit of 10000' },
    ]);
    expect(checkBounds({ ...ok, estimator: { name: 'SVC', params: { ['k'.repeat(MAX_SPEC_STRING + 1)]: 1 } } })).toEqual([
      { path: 'estimator.params', message: 'has a field name of 10001 characters, more than the limit of 10000' },
    ]);
  });

  it('reports at most 20 problems however many there are', () => {
    const many = Array.from({ length: 500 }, () => 'x'.repeat(MAX_SPEC_STRING + 1));
    expect(checkBounds({ ...ok, param_grid: { weights: many } })).toHaveLength(20);
  });
});
