import { readFile } from 'node:fs/promises';

/** Reads a spec file as JSON; a missing file or bad JSON is a one-line error naming the file. */
export async function readSpecFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read spec ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`spec ${path} is not valid JSON: ${(err as Error).message}`);
  }
}
