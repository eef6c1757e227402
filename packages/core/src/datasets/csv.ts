import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { Matrix } from '../matrix.js';
import { DatasetFormatError } from './idx.js';

/** A CSV file read as features plus an integer label column. */
export interface CsvData {
  X: Matrix<Float64Array>;
  y: Int32Array;
  /** Feature column names, in order. */
  columns: string[];
}

/**
 * Reads a CSV file with a header row. Every column but `label` is a numeric feature; the
 * label column must hold integers. A non-numeric cell is an error naming its row and column.
 */
export async function readCsv(path: string, label: string): Promise<CsvData> {
  return parseCsv(await readFile(path, 'utf8'), path, label);
}

/**
 * Parses CSV text as {@link readCsv} reads a file.
 * @param path - a name for error messages (usually the file path)
 */
export function parseCsv(text: string, path: string, label: string): CsvData {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true });
  } catch (err) {
    throw new DatasetFormatError(`${path}: not valid CSV: ${(err as Error).message}`);
  }
  if (records.length < 2) throw new DatasetFormatError(`${path}: needs a header row and at least one data row, found ${records.length} rows`);
  const header = records[0];
  const labelIndex = header.indexOf(label);
  if (labelIndex < 0) throw new DatasetFormatError(`${path}: no label column ${JSON.stringify(label)}; columns are ${header.map((h) => JSON.stringify(h)).join(', ')}`);
  const columns = header.filter((_, j) => j !== labelIndex);
  const rows = records.length - 1;
  const X = new Float64Array(rows * columns.length);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const rec = records[i + 1];
    let c = 0;
    for (let j = 0; j < header.length; j++) {
      const value = Number(rec[j]);
      if (rec[j] === '' || !Number.isFinite(value)) {
        throw new DatasetFormatError(`${path}: row ${i + 2}, column ${JSON.stringify(header[j])}: ${JSON.stringify(rec[j])} is not a number`);
      }
      if (j === labelIndex) {
        if (!Number.isInteger(value)) throw new DatasetFormatError(`${path}: row ${i + 2}: label ${JSON.stringify(rec[j])} is not an integer class`);
        y[i] = value;
      } else X[i * columns.length + c++] = value;
    }
  }
  return { X: new Matrix(X, rows, columns.length), y, columns };
}
