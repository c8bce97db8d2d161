import { Worker } from 'node:worker_threads';

/**
 * The checkpoint loop, run in a worker thread with its own connection. A PASSIVE checkpoint never
 * waits for the writer (the event loop's connection) and never makes it wait; when it could not copy
 * every frame (the writer added more meanwhile), it goes again at once, so the WAL is soon fully
 * copied and the writer starts it over from the beginning instead of letting it grow.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true, timeout: 0 });
let stopped = false;
let timer;
function step() {
  timer = undefined;
  if (stopped) return;
  let again = false;
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    again = row.busy === 0 && row.checkpointed < row.log;
    parentPort.postMessage({ kind: 'checkpoint', log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ kind: 'error', message: String(error && error.message), code: error && error.code });
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

export interface Checkpointer {
  /** Frames in the WAL and frames copied back, from the latest checkpoint. */
  readonly last: { readonly log: number; readonly checkpointed: number } | undefined;
  /** Checkpoints that copied at least one frame. */
  readonly copied: number;
  stop(): Promise<void>;
}

/**
 * Copies the spool's WAL back into the database file from a worker thread every `intervalMs`, so the
 * copying and its two fsyncs never run on the event loop (SQLite's automatic checkpoint would run
 * them inside a commit, stalling every request behind it). The spool keeps a much larger automatic
 * checkpoint as a backstop should this thread stop.
 */
export function startCheckpointer(path: string, options: { intervalMs?: number; onError?: (error: Error) => void } = {}): Checkpointer {
  const worker = new Worker(workerSource, {
    eval: true,
    // The loop holds almost nothing: a small heap keeps the thread's memory small.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16, codeRangeSizeMb: 4, stackSizeMb: 1 },
    workerData: { path, driver: require.resolve('better-sqlite3'), intervalMs: options.intervalMs ?? 25 },
  });
  let last: Checkpointer['last'];
  let copied = 0;
  worker.on('message', (message: { kind: 'checkpoint'; log: number; checkpointed: number } | { kind: 'error'; message: string; code?: string }) => {
    if (message.kind === 'checkpoint') {
      if (message.checkpointed > 0) copied += 1;
      last = { log: message.log, checkpointed: message.checkpointed };
    }
    else options.onError?.(Object.assign(new Error(`checkpoint failed: ${message.message}`), { code: message.code }));
  });
  worker.on('error', (error) => options.onError?.(error));
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    get last() {
      return last;
    },
    get copied() {
      return copied;
    },
    async stop() {
      worker.postMessage('stop');
      await exited;
    },
  };
}
