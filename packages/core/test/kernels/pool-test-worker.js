// A worker for worker-pool.test.ts: answers each request as it asks (echo, a failure
// answer, an uncaught throw, an exit, or ticking a shared counter forever without answering),
// as a real kernel worker might.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (request) => {
  if (request.do === 'echo') parentPort.postMessage({ kind: 'echo', value: request.value });
  else if (request.do === 'fail') parentPort.postMessage({ kind: 'failed', message: `could not do ${request.value}` });
  else if (request.do === 'throw') throw new Error(`thrown on ${request.value}`);
  else if (request.do === 'exit') process.exit(3);
  else if (request.do === 'tick') setInterval(() => Atomics.add(request.counter, 0, 1), 2);
});
