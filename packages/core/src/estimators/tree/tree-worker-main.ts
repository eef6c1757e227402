import { parentPort } from 'node:worker_threads';
import { buildTree } from './build-tree.js';
import type { TreeRequest } from './tree-pool.js';

// One tree per message; the binned data arrives on SharedArrayBuffers, the tree leaves by transfer.
parentPort!.on('message', (request: TreeRequest) => {
  const tree = buildTree(request.data, request.y, request.options, request.seed);
  const buffers = [tree.feature.buffer, tree.threshold.buffer, tree.left.buffer, tree.right.buffer, tree.proba.buffer] as ArrayBuffer[];
  parentPort!.postMessage({ index: request.index, tree }, buffers);
});
