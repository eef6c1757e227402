import { DatasetFormatError } from './idx.js';

/** One label cell of a CSV file: its text and the spreadsheet row it is on (header = row 1). */
export interface LabelCell {
  row: number;
  text: string;
}

/** Where label cells come from, for messages: the file and the label column's name. */
export interface LabelSource {
  path: string;
  column: string;
}

/** Class labels as learned from a training file: integers as they are, or text encoded as indices into `classes`. */
export interface EncodedLabels {
  y: Int32Array;
  /** Class names in scikit-learn's LabelEncoder order; absent when the labels are integers. */
  classes?: string[];
}

/** The training file's labels, which another file's labels (the test file's) are read against. */
export interface TrainingLabels {
  path: string;
  /** The training file's class names; absent when its labels are integers. */
  classes?: string[];
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * A cell in decimal notation as a number (what pandas' `read_csv` parses as one); undefined
 * for anything else, including hexadecimal, `Infinity` and `1_000`, which `Number()` would take.
 */
export function parseDecimal(text: string): number | undefined {
  return DECIMAL.test(text) ? Number(text) : undefined;
}

/**
 * scikit-learn's `LabelEncoder().fit_transform(y)` on a training file's label column. The
 * column holds integers when every cell is one (`3`, `-1`, `2.0`): they stay the labels,
 * exactly as before text labels existed. When any cell is not a number the column is text,
 * every cell of it (`1` and `cat` are both names), as pandas reads such a column and
 * LabelEncoder then sees only strings: the classes are the distinct names sorted by Unicode
 * code point (numpy's `np.unique`: `"10" < "2" < "Zebra" < "apple"`), and each label becomes
 * its class's index. A column of numbers that are not all integers (`0.5`) is an error:
 * a class label is an integer or a name.
 * @throws DatasetFormatError naming the file, row, column and label.
 */
export function fitLabels(source: LabelSource, cells: LabelCell[]): EncodedLabels {
  const numbers = cells.map((c) => parseDecimal(c.text));
  if (numbers.every((v) => v !== undefined)) return { y: Int32Array.from(cells, (c) => integerLabel(source, c)) };
  const classes = [...new Set(cells.map((c) => c.text))].sort(compareCodePoints);
  const index = new Map(classes.map((name, k) => [name, k]));
  return { y: Int32Array.from(cells, (c) => index.get(c.text)!), classes };
}

/**
 * scikit-learn's `LabelEncoder.transform` with the training file's encoding: integer labels
 * must be integers (an integer the training file lacks is allowed, as before); text labels
 * must be classes of the training file, as `transform` refuses unseen labels.
 * @throws DatasetFormatError naming the file, row, column, label and the training file.
 */
export function transformLabels(source: LabelSource, cells: LabelCell[], training: TrainingLabels): Int32Array {
  const classes = training.classes;
  if (!classes) {
    return Int32Array.from(cells, (c) => {
      if (parseDecimal(c.text) === undefined) throw new DatasetFormatError(`${at(source, c)}: label ${JSON.stringify(c.text)} is not an integer, but the labels of the training file ${training.path} are integers`);
      return integerLabel(source, c);
    });
  }
  const index = new Map(classes.map((name, k) => [name, k]));
  return Int32Array.from(cells, (c) => {
    const k = index.get(c.text);
    if (k === undefined) throw new DatasetFormatError(`${at(source, c)}: label ${JSON.stringify(c.text)} is not a class of the training file ${training.path} (its classes: ${listNames(classes)})`);
    return k;
  });
}

/**
 * Compares strings by Unicode code point, as Python and numpy do. JavaScript's `<` compares
 * UTF-16 code units instead, which orders a character beyond U+FFFF (a surrogate pair,
 * e.g. an emoji) before U+E000..U+FFFF; numpy puts it after.
 */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

/** Class names for a message: quoted, the first ten and how many more. */
export function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 10).map((n) => JSON.stringify(n)).join(', ');
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}

function integerLabel(source: LabelSource, cell: LabelCell): number {
  const value = parseDecimal(cell.text)!;
  if (!Number.isInteger(value)) throw new DatasetFormatError(`${at(source, cell)}: label ${JSON.stringify(cell.text)} is not an integer class (a label column of numbers must hold integers)`);
  if (value < INT32_MIN || value > INT32_MAX) throw new DatasetFormatError(`${at(source, cell)}: label ${JSON.stringify(cell.text)} is outside the 32-bit range of integer classes`);
  return value;
}

function at(source: LabelSource, cell: LabelCell): string {
  return `${source.path}: row ${cell.row}, column ${JSON.stringify(source.column)}`;
}
