import type { Params } from '../estimators/base.js';
import type { Candidates } from './parameter-grid.js';

/** A fixed list of candidates (one halving round's survivors, or all rounds' rows together). */
export class CandidateList implements Candidates {
  constructor(private readonly list: Params[]) {}
  get size(): number {
    return this.list.length;
  }
  at(i: number): Params {
    if (!Number.isInteger(i) || i < 0 || i >= this.list.length) throw new RangeError(`candidate must be an integer in [0, ${this.list.length - 1}], got ${i}`);
    return structuredClone(this.list[i]);
  }
  get paramNames(): string[] {
    return [...new Set(this.list.flatMap((p) => Object.keys(p)))].sort();
  }
  *[Symbol.iterator](): IterableIterator<Params> {
    for (let i = 0; i < this.list.length; i++) yield this.at(i);
  }
}
