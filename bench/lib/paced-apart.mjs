// lib/paced.js's pacedLoad in a worker thread of its own, for a benchmark whose own process also does
// other work (a vendor stand-in answering history calls): on the main thread that work would hold up
// the load generator's event loop, and the callbacks' latency would count the benchmark's own waits.
// Options and result as pacedLoad's, without `acked` (a Set does not cross threads).
import { createRequire } from 'node:module';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export function pacedLoadApart(options) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: options });
    let result;
    worker.once('message', (message) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) => (result === undefined ? reject(new Error(`the load generator's thread exited with code ${code} before its result`)) : resolve(result)));
  });
}

if (!isMainThread && parentPort) {
  const { pacedLoad } = createRequire(import.meta.url)('./paced.js');
  parentPort.postMessage(await pacedLoad(workerData));
}
