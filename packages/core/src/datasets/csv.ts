import { parse } from 'csv-parse/sync';
import { Matrix } from '../matrix.js';
import { DatasetFormatError } from './idx.js';
import { fitLabels, parseDecimal, transformLabels, type LabelCell, type TrainingLabels } from './labels.js';
import { readTextFile } from './text-file.js';

/** A CSV file read as numeric features plus a class label column. */
export interface CsvData {
  X: Matrix<Float64Array>;
  /** Class labels: the integers of an integer label column, or indices into `classes`. */
  y: Int32Array;
  /** Feature column names, in order. */
  columns: string[];
  /** Class names of a text label column, in LabelEncoder order; absent for integer labels. */
  classes?: string[];
}

/**
 * Cells pandas' `read_csv` reads as missing (its default `na_values`): here, as an empty cell,
 * a missing value that must be filled in before learning, not a number or a class name.
 */
const MISSING = new Set(['', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null']);

/**
 * Reads a CSV file (or gzip-compressed CSV, see `readTextFile`) with a header row. Every
 * column but `label` is a numeric feature; the label column holds integer classes or class
 * names (see `fitLabels` for the rules). A test file passes `training`: its labels are read
 * against the training file's (`transformLabels`). Blank lines are skipped; a UTF-8 byte
 * order mark (Excel's) is dropped.
 * @throws DatasetFormatError naming the file and, for a bad cell, its row as a spreadsheet
 *   numbers it (header = row 1), its column and its value: missing values (empty or `NA`),
 *   text in a feature column, a row whose number of cells differs from the header's.
 */
export async function readCsv(path: string, label: string, training?: TrainingLabels): Promise<CsvData> {
  return parseCsv(await readTextFile(path), path, label, training);
}

/**
 * Parses CSV text as {@link readCsv} reads a file (for callers that read, hash and decode the
 * bytes themselves).
 * @param path - the file's name in error messages
 */
export function parseCsv(text: string, path: string, label: string, training?: TrainingLabels): CsvData {
  const records = parseRecords(path, text);
  if (records.length === 0) throw new DatasetFormatError(`${path}: empty; needs a header row and at least one data row`);
  const header = records[0];
  const labelIndex = header.indexOf(label);
  if (labelIndex < 0) throw new DatasetFormatError(`${path}: no label column ${JSON.stringify(label)}; columns are ${header.map((h) => JSON.stringify(h)).join(', ')}`);
  // A spreadsheet shows every record as a row, blank ones too: row numbers count them.
  const rows = records.flatMap((cells, k) => (k === 0 || (cells.length === 1 && cells[0] === '') ? [] : [{ row: k + 1, cells }]));
  if (rows.length === 0) throw new DatasetFormatError(`${path}: needs a header row and at least one data row, found only the header`);
  const columns = header.filter((_, j) => j !== labelIndex);
  const X = new Float64Array(rows.length * columns.length);
  const labels: LabelCell[] = [];
  rows.forEach(({ row, cells }, i) => {
    if (cells.length !== header.length) throw new DatasetFormatError(`${path}: row ${row} has ${cells.length} cell${cells.length === 1 ? '' : 's'}, but the header has ${header.length}`);
    let c = 0;
    cells.forEach((text, j) => {
      const where = `${path}: row ${row}, column ${JSON.stringify(header[j])}`;
      if (MISSING.has(text)) throw new DatasetFormatError(`${where}: missing ${j === labelIndex ? 'label' : 'value'} ${text === '' ? '(empty cell)' : JSON.stringify(text)}`);
      if (j === labelIndex) return void labels.push({ row, text });
      const value = parseDecimal(text);
      if (value === undefined) throw new DatasetFormatError(`${where}: ${JSON.stringify(text)} is not a number`);
      if (!Number.isFinite(value)) throw new DatasetFormatError(`${where}: ${JSON.stringify(text)} is too large for a 64-bit float`);
      X[i * columns.length + c++] = value;
    });
  });
  const source = { path, column: label };
  const { y, classes } = training ? { y: transformLabels(source, labels, training), classes: training.classes } : fitLabels(source, labels);
  return { X: new Matrix(X, rows.length, columns.length), y, columns, ...(classes && { classes }) };
}

function parseRecords(path: string, text: string): string[][] {
  try {
    // Uneven rows and blank lines are kept, so that readCsv can name them by row.
    return parse(text, { bom: true, trim: true, relax_column_count: true, skip_empty_lines: false });
  } catch (err) {
    throw new DatasetFormatError(`${path}: not valid CSV: ${(err as Error).message}`);
  }
}
