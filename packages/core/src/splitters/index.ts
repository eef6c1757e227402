export { KFold } from './kfold.js';
export { makeSplitter, type SplitterSpec } from './make-splitter.js';
export type { Fold, KFoldOptions, Splitter } from './splitter.js';
export { StratifiedKFold, type StratifiedKFoldOptions } from './stratified-kfold.js';
export { cvRows, foldData, resampleIndices, type FoldData, type ResolvedCv } from './fold-data.js';
