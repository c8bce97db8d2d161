// lib/paced.js's pacedLoad in a worker thread of its own, for a benchmark whose own process also does
// other work (a vendor stand-in answering history calls): on the main thread that work would hold up
// the load generator's event loop, and the callbacks' latency would count the benchmark's own waits.
// The thread also asks the kernel to run it ahead of that work on their shared core (`nice`, the
// `priority` option: -10 unless given; needs root or CAP_SYS_NICE, otherwise it runs at the process's
// priority and the result says so), so the stand-in's pages do not make it send or read late either.
// Options and result as pacedLoad's, without `acked` (a Set does not cross threads), plus `priority`:
// the thread's nice value while it ran.
import { readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getPriority, setPriority } from 'node:os';
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

/** Sets this thread's nice value (Linux: setpriority on the thread's id); the value it runs at. */
function prioritize(nice) {
  const thread = Number(readlinkSync('/proc/thread-self').split('/').pop());
  try {
    setPriority(thread, nice);
  } catch {
    // Not allowed (no root, no CAP_SYS_NICE): keep the process's.
  }
  return getPriority(thread);
}

if (!isMainThread && parentPort) {
  const { pacedLoad } = createRequire(import.meta.url)('./paced.js');
  const { priority = -10, ...options } = workerData;
  const nice = prioritize(priority);
  parentPort.postMessage({ ...(await pacedLoad(options)), priority: nice });
}
