import { Worker } from 'node:worker_threads';

/**
 * The checkpoint loop, run in a worker thread with its own connection. A PASSIVE checkpoint never
 * waits for the writer (the event loop's connection) and never makes it wait; when it could not copy
 * every frame (the writer added more meanwhile), it goes again at once, so the WAL is soon fully
 * copied and the writer starts it over from the beginning instead of letting it grow.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { existsSync } = require('node:fs');
const { DatabaseSync } = require('node:sqlite');
// The spool is open in the writer already: a missing file is an error here, never a new empty database.
if (!existsSync(workerData.path)) throw new Error('the spool ' + workerData.path + ' does not exist');
const db = new DatabaseSync(workerData.path, { timeout: 0 });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let stopped = false;
let timer;
let reported = 0;
function step() {
  timer = undefined;
  if (stopped) return;
  let again = false;
  try {
    const row = checkpoint.get();
    again = row.busy === 0 && row.checkpointed < row.log;
    // Only progress is reported: most steps find nothing new to copy.
    if (row.checkpointed > 0 && row.checkpointed !== reported) parentPort.postMessage({ kind: 'copied' });
    reported = row.checkpointed;
  } catch (error) {
    parentPort.postMessage({ kind: 'error', message: String(error && error.message), code: error && error.code, errcode: error && error.errcode });
  }
  timer = setTimeout(step, again ? 0 : workerData.intervalMs);
}
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  stopped = true;
  if (timer) clearTimeout(timer);
  db.close();
  parentPort.close();
});
step();
`;

/**
 * How often the thread looks for frames to copy back. Each checkpoint that copies anything costs two
 * fsyncs (the WAL's, then the database file's) and writes every page changed since the last one: the
 * log's last leaf, page 1, the pointer map and the cursors change with every commit, so copying them
 * every 25 ms wrote them back 40 times a second. Once a second, on one core at saturation, the gateway
 * answered 8 % more callbacks for 8 % less CPU each, and wrote 3.33 instead of 3.74 times the CloudEvent's
 * bytes (bench/README.md); the WAL then holds up to a second of commits (a few MiB) between restarts.
 */
export const defaultCheckpointIntervalMs = 1000;

export interface Checkpointer {
  /** Checkpoints that copied frames back. */
  readonly copied: number;
  stop(): Promise<void>;
}

/**
 * Copies the spool's WAL back into the database file from a worker thread every `intervalMs`, so the
 * copying and its two fsyncs never run on the event loop (SQLite's automatic checkpoint would run
 * them inside a commit, stalling every request behind it). The writer's own checkpoint every 4,000
 * frames is what starts the WAL over, and bounds it should this thread stop.
 */
export function startCheckpointer(path: string, options: { intervalMs?: number; onError?: (error: Error) => void } = {}): Checkpointer {
  const worker = new Worker(workerSource, {
    eval: true,
    // Node 22 warns once per thread that SQLite is experimental (24 does not); the main thread drops
    // that warning (supported-node.ts). This thread uses nothing else experimental.
    execArgv: ['--disable-warning=ExperimentalWarning'],
    // The loop holds almost nothing: a small heap keeps the thread's memory small.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16, codeRangeSizeMb: 4, stackSizeMb: 1 },
    workerData: { path, intervalMs: options.intervalMs ?? defaultCheckpointIntervalMs },
  });
  let copied = 0;
  worker.on('message', (message: { kind: 'copied' } | { kind: 'error'; message: string; code?: string; errcode?: number }) => {
    if (message.kind === 'copied') copied += 1;
    else options.onError?.(Object.assign(new Error(`checkpoint failed: ${message.message}`), { code: message.code, errcode: message.errcode }));
  });
  worker.on('error', (error) => options.onError?.(error));
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    get copied() {
      return copied;
    },
    async stop() {
      // Unreferenced while it runs; waiting for it to finish must keep the process alive.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
