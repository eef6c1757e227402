import { parentPort } from 'node:worker_threads';
import { DenseRows } from './sgd-dense-rows.js';
import { interleavedSgdOn, SgdDivergedError } from './sgd-interleaved.js';
import type { SgdThreadReply, SgdThreadRequest } from './sgd-threads.js';

// One group of one-vs-rest problems per message; the rows and weights live in the shared
// memory the request carries, the models leave by transfer.
parentPort!.on('message', async (request: SgdThreadRequest) => {
  try {
    const rows = new DenseRows(request.layout, request.slot);
    const fits = await interleavedSgdOn(rows, request.ks, request.ys, request.seeds, request.options);
    const buffers = fits.flatMap((f) => [f.weights.buffer, ...(f.averageWeights ? [f.averageWeights.buffer] : [])]) as ArrayBuffer[];
    parentPort!.postMessage({ kind: 'fitted', fits } satisfies SgdThreadReply, buffers);
  } catch (err) {
    if (err instanceof SgdDivergedError) parentPort!.postMessage({ kind: 'diverged', epoch: err.epoch } satisfies SgdThreadReply);
    else parentPort!.postMessage({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
});
