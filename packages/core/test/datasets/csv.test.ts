import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/datasets/csv.js';

const dir = mkdtempSync(join(tmpdir(), 'gridfold-csv-'));
let files = 0;
/** Writes `text` to a fresh file (gzip-compressed when the name ends in .gz) and returns its path. */
function file(text: string, ext = '.csv'): string {
  const f = join(dir, `${files++}${ext}`);
  writeFileSync(f, ext.endsWith('.gz') ? gzipSync(text) : text);
  return f;
}

// Every expected value below is read off the hand-written file it comes from.
describe('readCsv', () => {
  it('reads features and an integer label column by name', async () => {
    const data = await readCsv(file('a,label,b\n1,0,2\n3,1,4.5\n'), 'label');
    expect(data.columns).toEqual(['a', 'b']);
    expect(Array.from(data.X.data)).toEqual([1, 2, 3, 4.5]);
    expect(Array.from(data.y)).toEqual([0, 1]);
    expect(data.classes).toBeUndefined();
  });

  it('reads class names as LabelEncoder codes with the sorted names', async () => {
    const data = await readCsv(file('x,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n'), 'species');
    expect(data.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(data.y)).toEqual([2, 0, 1, 0]);
  });

  it('reads a test file against the training file\'s classes', async () => {
    const data = await readCsv(file('x,species\n1,virginica\n2,setosa\n'), 'species', { path: 'train.csv', classes: ['setosa', 'versicolor', 'virginica'] });
    expect(Array.from(data.y)).toEqual([2, 0]);
    expect(data.classes).toEqual(['setosa', 'versicolor', 'virginica']);
  });

  it('names the bad cell, the missing column and the non-integer label', async () => {
    const f = file('a,label\n1,0\nx,1\n');
    await expect(readCsv(f, 'label')).rejects.toThrow(`${f}: row 3, column "a": "x" is not a number`);
    await expect(readCsv(f, 'y')).rejects.toThrow('no label column "y"; columns are "a", "label"');
    await expect(readCsv(file('a,label\n1,0.5\n'), 'label')).rejects.toThrow('row 2, column "label": label "0.5" is not an integer class');
  });

  it('calls empty cells and NA markers missing, in features and labels', async () => {
    const f = file('a,b,label\n1,2,cat\n1,,dog\n');
    await expect(readCsv(f, 'label')).rejects.toThrow(`${f}: row 3, column "b": missing value (empty cell)`);
    await expect(readCsv(file('a,b,label\n1,NA,cat\n'), 'label')).rejects.toThrow('row 2, column "b": missing value "NA"');
    await expect(readCsv(file('a,b,label\n1,2,cat\n3,4,\n'), 'label')).rejects.toThrow('row 3, column "label": missing label (empty cell)');
    await expect(readCsv(file('a,b,label\n1,2,cat\n3,4,null\n'), 'label')).rejects.toThrow('row 3, column "label": missing label "null"');
  });

  it('numbers rows as a spreadsheet shows them: blank lines count, a quoted line break does not', async () => {
    // Rows: 1 header, 2 data, 3 blank, 4 data, 5 the bad one.
    await expect(readCsv(file('a,label\n1,x\n\n2,y\nz,x\n'), 'label')).rejects.toThrow('row 5, column "a": "z" is not a number');
    // Rows: 1 header, 2 a name spanning two lines of text, 3 the bad one (line 4 of the file).
    await expect(readCsv(file('a,label\n1,"two\nlines"\nq,x\n'), 'label')).rejects.toThrow('row 3, column "a": "q" is not a number');
  });

  it('names a row whose number of cells differs from the header', async () => {
    const f = file('a,b,label\n1,2,x\n3,y\n');
    await expect(readCsv(f, 'label')).rejects.toThrow(`${f}: row 3 has 2 cells, but the header has 3`);
    await expect(readCsv(file('a,label\n1,x\n2,y,9\n'), 'label')).rejects.toThrow('row 3 has 3 cells, but the header has 2');
  });

  it('drops a UTF-8 byte order mark and skips blank lines', async () => {
    const data = await readCsv(file('\uFEFFa,label\n1,x\n\n2,y\n'), 'label');
    expect(data.columns).toEqual(['a']);
    expect(Array.from(data.X.data)).toEqual([1, 2]);
  });

  it('refuses a file with no data rows', async () => {
    await expect(readCsv(file('a,label\n'), 'label')).rejects.toThrow('needs a header row and at least one data row, found only the header');
    await expect(readCsv(file(''), 'label')).rejects.toThrow('empty; needs a header row');
  });
});

describe('readCsv on gzip-compressed files', () => {
  it('reads a .csv.gz as the same CSV', async () => {
    const text = 'x,species\n1,virginica\n2,setosa\n';
    const plain = await readCsv(file(text), 'species');
    const gz = await readCsv(file(text, '.csv.gz'), 'species');
    expect(Array.from(gz.X.data)).toEqual(Array.from(plain.X.data));
    expect(Array.from(gz.y)).toEqual(Array.from(plain.y));
    expect(gz.classes).toEqual(plain.classes);
  });

  it('gives the same errors, naming the .csv.gz file', async () => {
    const f = file('a,label\n1,x\n\n2,\n', '.csv.gz');
    await expect(readCsv(f, 'label')).rejects.toThrow(`${f}: row 4, column "label": missing label (empty cell)`);
  });

  it('goes by the gzip magic bytes: a gzip file named .csv is read, a .gz that is not gzip is refused', async () => {
    const f = join(dir, 'compressed-but-named.csv');
    writeFileSync(f, gzipSync('a,label\n1,2\n'));
    expect(Array.from((await readCsv(f, 'label')).y)).toEqual([2]);
    const notGzip = join(dir, 'plain.csv.gz');
    writeFileSync(notGzip, 'a,label\n1,2\n');
    await expect(readCsv(notGzip, 'label')).rejects.toThrow(`${notGzip}: the name ends in .gz but the file is not gzip-compressed`);
  });

  it('refuses truncated gzip, naming the file', async () => {
    const f = join(dir, 'truncated.csv.gz');
    const gz = gzipSync('a,label\n'.repeat(1000));
    writeFileSync(f, gz.subarray(0, gz.length - 20));
    await expect(readCsv(f, 'label')).rejects.toThrow(`${f}: not valid gzip: unexpected end of file`);
  });
});
