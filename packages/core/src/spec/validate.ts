import { z } from 'zod';
import { checkBounds } from './bounds.js';
import { experimentSpecSchema, type ExperimentSpec } from './schema.js';

/** One problem in a spec: where it is (dotted path) and what is wrong there. */
export interface SpecIssue {
  path: string;
  message: string;
}

/** Thrown for an invalid spec; `issues` names every bad field. */
export class SpecError extends Error {
  constructor(readonly issues: SpecIssue[]) {
    super(`invalid experiment spec: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'SpecError';
  }
}

/**
 * Validates and normalises a spec (defaults filled in). Structural checks only: whether an
 * estimator name exists and its params are known is checked by `checkSpec` in plan. Depth
 * and size bounds (spec/bounds.ts) come first: the schema's validators recurse.
 * @throws SpecError listing every bad field.
 */
export function parseSpec(input: unknown): ExperimentSpec {
  const tooBig = checkBounds(input);
  if (tooBig.length) throw new SpecError(tooBig);
  const result = experimentSpecSchema.safeParse(input);
  if (!result.success) throw new SpecError(result.error.issues.map(describeIssue));
  return { ...result.data, name: result.data.name ?? defaultName(result.data.estimator) };
}

/** A spec's name when it has none: its estimator's (a Pipeline's last step's), lowercased. */
function defaultName(estimator: { name: string; steps?: Array<{ name: string }> }): string {
  const last = estimator.steps?.at(-1)?.name;
  return (last ? `pipeline-${last}` : estimator.name).toLowerCase();
}

function describeIssue(issue: z.core.$ZodIssue): SpecIssue {
  const path = issue.path.join('.');
  switch (issue.code) {
    case 'unrecognized_keys':
      return { path, message: `unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` };
    case 'invalid_value':
      return { path, message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'invalid_union': {
      const discriminator = (issue as { note?: string }).note;
      return { path, message: discriminator ? `${issue.message} (${discriminator})` : issue.message };
    }
    default:
      return { path, message: issue.message };
  }
}
