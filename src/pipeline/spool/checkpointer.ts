import { Worker } from 'node:worker_threads';

/**
 * The checkpoint loop, run in a worker thread with its own connection. A PASSIVE checkpoint never
 * waits for the writer (the event loop's connection) and never makes it wait; after a step that copied
 * frames it goes again at once (a few times at most), so the WAL is soon copied to its end and the
 * writer starts it over from the beginning instead of letting it grow.
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
let quick = 0;
function step() {
  timer = undefined;
  if (stopped) return;
  let again = false;
  try {
    const row = checkpoint.get();
    const copied = row.checkpointed > 0 && row.checkpointed !== reported;
    // Frames remain, or this step copied some and commits made while it ran may have added more: go
    // again at once until a step finds the WAL copied to its end, when the writer's next commit starts
    // it over from the beginning. A few quick steps at most, then the interval again.
    again = row.busy === 0 && (row.checkpointed < row.log || copied) && quick < workerData.quickSteps;
    quick = again ? quick + 1 : 0;
    // Only progress is reported: most steps find nothing new to copy.
    if (copied) parentPort.postMessage({ kind: 'copied' });
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
 * every 25 ms wrote them back about 40 times a second. Once a second (with its quick steps), on one
 * core at saturation, the gateway answered 6 % more callbacks for 6 % less CPU each and wrote 3.33
 * instead of 3.68 times the CloudEvent's bytes (bench/README.md).
 */
export const defaultCheckpointIntervalMs = 1000;

/**
 * Steps taken at once after one that copied frames, until one finds the WAL copied to its end: commits
 * made while a step ran leave frames after it, and the WAL starts over only once none are left. At
 * saturation on one core about three steps a second, and the WAL peaked at about 11 MiB.
 */
export const quickCheckpointSteps = 8;

export interface Checkpointer {
  /** Checkpoints that copied frames back. */
  readonly copied: number;
  stop(): Promise<void>;
}

/**
 * Copies the spool's WAL back into the database file from a worker thread every `intervalMs`, so the
 * copying and its two fsyncs never run on the event loop (SQLite's automatic checkpoint would run
 * them inside a commit, stalling every request behind it). The writer's own checkpoint at 10,000
 * frames bounds the WAL should this thread stop.
 */
export function startCheckpointer(path: string, options: { intervalMs?: number; onError?: (error: Error) => void } = {}): Checkpointer {
  const worker = new Worker(workerSource, {
    eval: true,
    // Node 22 warns once per thread that SQLite is experimental (24 does not); the main thread drops
    // that warning (supported-node.ts). This thread uses nothing else experimental.
    execArgv: ['--disable-warning=ExperimentalWarning'],
    // The loop holds almost nothing: a small heap keeps the thread's memory small.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16, codeRangeSizeMb: 4, stackSizeMb: 1 },
    workerData: { path, intervalMs: options.intervalMs ?? defaultCheckpointIntervalMs, quickSteps: quickCheckpointSteps },
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
