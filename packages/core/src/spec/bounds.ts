import type { SpecIssue } from './validate.js';

/**
 * Most levels of lists and objects in a spec, the spec itself being the first. Real specs
 * nest about 6 (a wrapper's estimator's params' list of layer sizes); the validators
 * recurse, so a much deeper value would overflow the stack before it could be refused.
 */
export const MAX_SPEC_DEPTH = 32;
/** Most entries in one list, or fields in one object, anywhere in a spec. */
export const MAX_SPEC_ENTRIES = 10_000;
/** Longest string (or field name) anywhere in a spec, characters. */
export const MAX_SPEC_STRING = 10_000;
/** Issues reported before the walk stops: enough to show the pattern, never a huge answer. */
const MAX_ISSUES = 20;

/**
 * Size and depth problems of a raw spec, found without recursion so that no input can
 * overflow the stack: values nested deeper than {@link MAX_SPEC_DEPTH}, lists or objects
 * with more than {@link MAX_SPEC_ENTRIES} entries, strings longer than {@link MAX_SPEC_STRING}.
 * Each issue names where it is (dotted path, as SpecError's). Nothing below an issue is visited.
 */
export function checkBounds(input: unknown): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: input, path: '', depth: 0 }];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.length > MAX_SPEC_STRING) issues.push({ path, message: `is a string of ${value.length} characters, more than the limit of ${MAX_SPEC_STRING}` });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_SPEC_DEPTH) {
      issues.push({ path, message: `nests lists or objects more than ${MAX_SPEC_DEPTH} levels deep (counting the spec itself), the limit` });
      continue;
    }
    const count = Array.isArray(value) ? value.length : Object.keys(value).length;
    if (count > MAX_SPEC_ENTRIES) {
      issues.push({ path, message: `is ${Array.isArray(value) ? 'a list of' : 'an object with'} ${count} entries, more than the limit of ${MAX_SPEC_ENTRIES}` });
      continue;
    }
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i];
      const childPath = path ? `${path}.${key}` : key;
      if (key.length > MAX_SPEC_STRING) issues.push({ path, message: `has a field name of ${key.length} characters, more than the limit of ${MAX_SPEC_STRING}` });
      else stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return issues;
}
