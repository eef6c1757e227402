import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';

/**
 * Reads a spec file as JSON; a missing file or bad JSON is a one-line error naming the file.
 * A spec object without a `name` is named after its file (`experiments/knn.json` → `knn`).
 */
export async function readSpecFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read spec ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (err) {
    throw new Error(`spec ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (spec && typeof spec === 'object' && !Array.isArray(spec) && !('name' in spec)) {
    return { name: basename(path, extname(path)).replace(/[^\w.-]/g, '-'), ...spec };
  }
  return spec;
}
