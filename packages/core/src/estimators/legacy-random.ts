/**
 * The old path of {@link RandomState}, kept only for `search/fit-and-score.ts` and
 * `search/parameter-sampler.ts`, which are being moved on another branch (issue 12): remove
 * this file once they import `../random/numpy-random-state.js`.
 */
export { RandomState } from '../random/numpy-random-state.js';
