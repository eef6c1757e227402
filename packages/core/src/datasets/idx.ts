import { readFile } from 'node:fs/promises';
import { Matrix } from '../matrix.js';

/** Thrown when a file is not a well-formed IDX file; the message names the file and the fault. */
export class DatasetFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetFormatError';
  }
}

/** The parsed contents of an IDX file (unsigned-byte data only, as MNIST uses). */
export interface IdxArray {
  /** Dimension sizes, e.g. `[60000, 28, 28]`. */
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/**
 * Parses an IDX buffer (LeCun's format: two zero bytes, a type code, the number of
 * dimensions, big-endian 32-bit sizes, then the data). Checks the magic number, the
 * dimensions and that the length is exactly what they promise.
 * @param source - a name for error messages (usually the file path)
 */
export function parseIdx(buf: Uint8Array, source: string): IdxArray {
  if (buf.length < 4) throw new DatasetFormatError(`${source}: not an IDX file (${buf.length} bytes, shorter than the 4-byte header)`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new DatasetFormatError(`${source}: not an IDX file (magic number starts 0x${hex(buf[0])}${hex(buf[1])}, expected 0x0000)`);
  }
  if (buf[2] !== UBYTE) throw new DatasetFormatError(`${source}: IDX type code 0x${hex(buf[2])} is not supported (only 0x08, unsigned byte)`);
  const ndim = buf[3];
  if (ndim < 1 || ndim > 4) throw new DatasetFormatError(`${source}: IDX file declares ${ndim} dimensions, expected 1 to 4`);
  const headerLength = 4 + 4 * ndim;
  if (buf.length < headerLength) throw new DatasetFormatError(`${source}: truncated IDX header (${buf.length} bytes, need ${headerLength})`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    if (size === 0) throw new DatasetFormatError(`${source}: IDX dimension ${d} has size 0`);
    dims.push(size);
  }
  const expected = headerLength + dims.reduce((a, b) => a * b, 1);
  if (buf.length !== expected) {
    const what = buf.length < expected ? 'truncated' : 'has trailing bytes';
    throw new DatasetFormatError(`${source}: IDX file ${what}: ${buf.length} bytes, dimensions [${dims.join(', ')}] need ${expected}`);
  }
  return { dims, data: buf.subarray(headerLength) };
}

/** Reads an IDX file from disk; see {@link parseIdx}. */
export async function readIdx(path: string): Promise<IdxArray> {
  return parseIdx(new Uint8Array(await readFile(path)), path);
}

/** Reads an IDX images file as a matrix: one row per image, one column per pixel. */
export async function readIdxImages(path: string): Promise<Matrix<Uint8Array>> {
  return idxImages(await readIdx(path));
}

/** An IDX array as a matrix: one row per item of its first dimension, the rest flattened into columns. */
export function idxImages({ dims, data }: IdxArray): Matrix<Uint8Array> {
  const cols = dims.slice(1).reduce((a, b) => a * b, 1);
  return new Matrix(data, dims[0], cols);
}

/** Reads an IDX labels file (one dimension) as Int32 labels. */
export async function readIdxLabels(path: string): Promise<Int32Array> {
  return idxLabels(await readIdx(path), path);
}

/**
 * A one-dimensional IDX array as Int32 labels.
 * @param source - a name for error messages (usually the file path)
 */
export function idxLabels({ dims, data }: IdxArray, source: string): Int32Array {
  if (dims.length !== 1) throw new DatasetFormatError(`${source}: a labels file has 1 dimension, this one has ${dims.length}`);
  return Int32Array.from(data);
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
