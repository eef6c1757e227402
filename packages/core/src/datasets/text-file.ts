import { constants } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DatasetFormatError } from './idx.js';

const gunzipAsync = promisify(gunzip);

/**
 * The most bytes one text dataset file may hold once decompressed: what fits in one JavaScript
 * string (UTF-8 takes at least one byte per UTF-16 code unit), about 512 MiB on Node 20.
 */
export const MAX_TEXT_BYTES = constants.MAX_STRING_LENGTH;

/**
 * Reads a text dataset file (CSV) as UTF-8, gunzipping it first when it is gzip-compressed.
 * The content decides, not the name: a file that starts with gzip's magic bytes `1f 8b` is
 * decompressed (text never starts with byte 0x1f), and a name ending in `.gz` whose content
 * is not gzip is an error rather than gibberish read as CSV.
 * @throws DatasetFormatError naming the file: a `.gz` that is not gzip, corrupt or truncated
 *   gzip, or text longer than {@link MAX_TEXT_BYTES}.
 */
export async function readTextFile(path: string): Promise<string> {
  return decodeTextFile(await readFile(path), path);
}

/** The text of a file's bytes as {@link readTextFile} reads them (gunzipped when gzip); `path` names it in errors. */
export async function decodeTextFile(bytes: Buffer, path: string): Promise<string> {
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (!gzipped) {
    if (path.endsWith('.gz')) throw new DatasetFormatError(`${path}: the name ends in .gz but the file is not gzip-compressed (it does not start with the bytes 1f 8b)`);
    if (bytes.length > MAX_TEXT_BYTES) throw tooLarge(path);
    return bytes.toString('utf8');
  }
  let text: Buffer;
  try {
    // The cap stops a small gzip bomb before it fills memory, not after.
    text = await gunzipAsync(bytes, { maxOutputLength: MAX_TEXT_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(path);
    throw new DatasetFormatError(`${path}: not valid gzip: ${(err as Error).message}`);
  }
  return text.toString('utf8');
}

function tooLarge(path: string): DatasetFormatError {
  return new DatasetFormatError(`${path}: more than ${MAX_TEXT_BYTES} bytes of text, the most one CSV file may hold`);
}
