import { parentPort } from 'node:worker_threads';
import { buildTree } from './build-tree.js';
import { accumulateProba } from './predict.js';
import type { TreeRequest } from './tree-pool.js';

// One tree or one block of rows per message; the binned data (in shared WebAssembly
// memory, a tree growing in the slot the request names) and rows arrive on
// SharedArrayBuffers, a tree leaves by transfer, probabilities are written in place.
parentPort!.on('message', (request: TreeRequest) => {
  try {
    if (request.kind === 'grow') {
      const tree = buildTree(request.data, request.y, request.options, request.seed, request.slot);
      const buffers = [tree.feature.buffer, tree.threshold.buffer, tree.left.buffer, tree.right.buffer, tree.proba.buffer] as ArrayBuffer[];
      parentPort!.postMessage({ kind: 'grown', index: request.index, tree }, buffers);
    } else {
      const { trees, x, cols, nClasses, rowStart, rowEnd, out } = request;
      accumulateProba(trees, x, cols, nClasses, rowStart, rowEnd, out);
      parentPort!.postMessage({ kind: 'predicted' });
    }
  } catch (err) {
    parentPort!.postMessage({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
});
