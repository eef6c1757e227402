import { describe, expect, it } from 'vitest';
import { compareCodePoints, fitLabels, parseDecimal, transformLabels, type LabelCell } from '../../src/datasets/labels.js';

const source = { path: 'train.csv', column: 'species' };
/** Label cells on rows 2, 3, ... (row 1 is the header). */
const cells = (...texts: string[]): LabelCell[] => texts.map((text, i) => ({ row: i + 2, text }));

// Expected classes and codes are worked out by hand from the rules of scikit-learn's
// LabelEncoder (np.unique: distinct values, sorted; strings by code point) and pandas'
// read_csv (a column with any non-number cell is all strings).
describe('fitLabels (LabelEncoder.fit_transform)', () => {
  it('keeps integer labels as they are, with no class names', () => {
    const out = fitLabels(source, cells('3', '-1', '2.0', '3'));
    expect(Array.from(out.y)).toEqual([3, -1, 2, 3]);
    expect(out.classes).toBeUndefined();
  });

  it('sorts names by code point and encodes each label as its class index', () => {
    // Code points: "1" 0x31 < "2" 0x32 < "Z" 0x5a < "c" 0x63 < "d" 0x64, so "10" < "2".
    const out = fitLabels(source, cells('dog', 'cat', 'Zebra', 'cat', '10', '2'));
    expect(out.classes).toEqual(['10', '2', 'Zebra', 'cat', 'dog']);
    expect(Array.from(out.y)).toEqual([4, 3, 2, 3, 0, 1]);
  });

  it('makes a column of numbers and one name all names (pandas reads it as strings)', () => {
    const out = fitLabels(source, cells('1', 'cat', '1'));
    expect(out.classes).toEqual(['1', 'cat']);
    expect(Array.from(out.y)).toEqual([0, 1, 0]);
  });

  it('orders characters beyond U+FFFF after U+FF01, as numpy does (not by UTF-16 code units)', () => {
    // U+FF01 (FULLWIDTH EXCLAMATION MARK) < U+1F600 (GRINNING FACE) by code point; in UTF-16 the
    // emoji starts with the surrogate 0xD83D, which JavaScript's default sort puts first.
    const out = fitLabels(source, cells('\u{1F600}', '\uFF01'));
    expect(out.classes).toEqual(['\uFF01', '\u{1F600}']);
    expect(Array.from(out.y)).toEqual([1, 0]);
  });

  it('refuses fractional and out-of-range numeric labels, naming file, row, column and label', () => {
    expect(() => fitLabels(source, cells('1', '0.5'))).toThrow('train.csv: row 3, column "species": label "0.5" is not an integer class');
    expect(() => fitLabels(source, cells('3000000000'))).toThrow('train.csv: row 2, column "species": label "3000000000" is outside the 32-bit range of integer classes');
  });
});

describe('transformLabels (LabelEncoder.transform with the training file\'s classes)', () => {
  it('encodes names by the training classes and refuses an unseen one by file, row and label', () => {
    const training = { path: 'train.csv', classes: ['cat', 'dog'] };
    const test = { path: 'test.csv', column: 'species' };
    expect(Array.from(transformLabels(test, cells('dog', 'cat'), training))).toEqual([1, 0]);
    expect(() => transformLabels(test, cells('dog', 'bird'), training)).toThrow(
      'test.csv: row 3, column "species": label "bird" is not a class of the training file train.csv (its classes: "cat", "dog")',
    );
  });

  it('reads a test label "1" as the name "1" when the training labels are names', () => {
    expect(Array.from(transformLabels(source, cells('1', 'cat'), { path: 'train.csv', classes: ['1', 'cat'] }))).toEqual([0, 1]);
  });

  it('keeps integer test labels (an unseen integer too) and refuses a name among them', () => {
    const training = { path: 'train.csv' };
    expect(Array.from(transformLabels(source, cells('7', '0'), training))).toEqual([7, 0]);
    expect(() => transformLabels(source, cells('7', 'cat'), training)).toThrow('row 3, column "species": label "cat" is not an integer, but the labels of the training file train.csv are integers');
  });
});

describe('parseDecimal', () => {
  it('reads decimal notation only, as pandas does', () => {
    expect(['1', '-2.5', '.5', '3.', '1e3', '+4'].map(parseDecimal)).toEqual([1, -2.5, 0.5, 3, 1000, 4]);
    expect(['0x10', 'Infinity', '1_000', '', '1,5'].map(parseDecimal)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('compareCodePoints', () => {
  it('puts a prefix first and compares the first differing code point', () => {
    expect(compareCodePoints('cat', 'cats')).toBeLessThan(0);
    expect(compareCodePoints('b', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('x\u{1F600}', 'x\u{1F600}')).toBe(0);
  });
});
