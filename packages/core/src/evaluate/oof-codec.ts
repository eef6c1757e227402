import type { OofOutputs } from './task-result.js';

/**
 * Out-of-fold outputs as compact binary: each array in the narrowest typed array that holds
 * every value exactly (labels and row indices in 1 or 2 bytes, scores in float32 when each
 * one is a float32, float64 otherwise), so decoding gives back the same doubles, bit for bit.
 * Layout (little-endian): `GFO1`, the header's length (uint32), the header (JSON: the fields,
 * each with its name, element type and columns), zero padding to 8 bytes, then each field's
 * elements row by row, each field padded to 8 bytes.
 */
const MAGIC = 'GFO1';

const TYPES = {
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
  i16: Int16Array,
  i32: Int32Array,
  f32: Float32Array,
  f64: Float64Array,
} as const;

type ElementType = keyof typeof TYPES;

interface FieldHeader {
  name: string;
  type: ElementType;
  rows: number;
  /** Columns of a matrix (an array of rows); null for a flat array. */
  cols: number | null;
}

type Field = number[] | number[][];

/** Smallest multiple of 8 that is >= n. */
const pad8 = (n: number) => Math.ceil(n / 8) * 8;

/** The narrowest element type that holds every value exactly (-0 and NaN included). */
function narrowest(values: Iterable<number>): ElementType {
  let integer = true;
  let float32 = true;
  let min = 0;
  let max = 0;
  for (const v of values) {
    if (integer && Number.isInteger(v) && !Object.is(v, -0)) {
      if (v < min) min = v;
      if (v > max) max = v;
    } else integer = false;
    // NaN has no one bit pattern in JSON or here: any NaN decodes as NaN.
    if (float32 && Math.fround(v) !== v && !Number.isNaN(v)) float32 = false;
  }
  if (integer) {
    if (min >= 0 && max <= 0xff) return 'u8';
    if (min >= -0x80 && max <= 0x7f) return 'i8';
    if (min >= 0 && max <= 0xffff) return 'u16';
    if (min >= -0x8000 && max <= 0x7fff) return 'i16';
    if (min >= -0x80000000 && max <= 0x7fffffff) return 'i32';
  }
  return float32 ? 'f32' : 'f64';
}

function* flat(field: Field): Generator<number> {
  for (const v of field) {
    if (typeof v === 'number') yield v;
    else yield* v;
  }
}

function describe(name: string, field: Field): FieldHeader {
  const first = field[0];
  const cols = Array.isArray(first) ? first.length : null;
  const odd = cols === null ? field.findIndex((v) => typeof v !== 'number') : field.findIndex((row) => !Array.isArray(row) || row.length !== cols);
  if (odd >= 0) throw new RangeError(`out-of-fold ${name}: element ${odd} is not ${cols === null ? 'a number' : `an array of ${cols} numbers`} like element 0`);
  return { name, type: narrowest(flat(field)), rows: field.length, cols };
}

/** The outputs as bytes; {@link decodeOof} gives them back with every value bit-identical. */
export function encodeOof(oof: OofOutputs): Uint8Array {
  const fields = (Object.entries(oof) as Array<[string, Field | undefined]>).filter((e): e is [string, Field] => e[1] !== undefined);
  const headers = fields.map(([name, field]) => describe(name, field));
  const header = new TextEncoder().encode(JSON.stringify(headers));
  const sizes = headers.map((h) => pad8(h.rows * (h.cols ?? 1) * TYPES[h.type].BYTES_PER_ELEMENT));
  let offset = pad8(8 + header.length);
  const bytes = new Uint8Array(offset + sizes.reduce((a, b) => a + b, 0));
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(4, header.length, true);
  bytes.set(header, 8);
  fields.forEach(([, field], i) => {
    const Type = TYPES[headers[i].type];
    // The buffer is fresh and every offset a multiple of 8, so the typed view is aligned.
    const view = new Type(bytes.buffer, offset, headers[i].rows * (headers[i].cols ?? 1));
    let j = 0;
    for (const v of flat(field)) view[j++] = v;
    offset += sizes[i];
  });
  return bytes;
}

/**
 * Out-of-fold outputs from {@link encodeOof}'s bytes (which may sit at any offset of their buffer).
 * @throws RangeError when the bytes are not such an encoding.
 */
export function decodeOof(bytes: Uint8Array): OofOutputs {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) throw new RangeError(`not encoded out-of-fold outputs (${bytes.length} bytes without the ${MAGIC} mark)`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, true);
  const headers = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as FieldHeader[];
  let offset = pad8(8 + headerLength);
  const out: Record<string, Field> = {};
  for (const h of headers) {
    const Type = TYPES[h.type];
    const length = h.rows * (h.cols ?? 1) * Type.BYTES_PER_ELEMENT;
    if (offset + length > bytes.length) throw new RangeError(`out-of-fold ${h.name}: needs ${length} bytes at ${offset}, the encoding has ${bytes.length}`);
    // A copy into a fresh buffer: Redis replies are Buffers at any offset of a shared pool, and typed views need aligned ones.
    const copy = new Uint8Array(length);
    copy.set(bytes.subarray(offset, offset + length));
    const values = new Type(copy.buffer);
    out[h.name] = h.cols === null ? Array.from(values) : Array.from({ length: h.rows }, (_, r) => Array.from(values.subarray(r * h.cols!, (r + 1) * h.cols!)));
    offset += pad8(length);
  }
  return out as unknown as OofOutputs;
}
