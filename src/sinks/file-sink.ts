import { z } from 'zod';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { eventToJson } from '../events/event';
import { deliverySettings, throwIfAborted, type Sink, type SinkDeps } from './sink';
import { oneLine } from './stdout-sink';

export const fileSinkConfig = z.strictObject({
  type: z.literal('file'),
  ...deliverySettings,
  path: z.string().min(1).optional().describe('JSONL file; defaults to $DATA_DIR/events.jsonl'),
  rotateBytes: z.number().int().min(1024).default(100 * 1024 * 1024).describe('Rotate when the file would grow past this size'),
  keepFiles: z.number().int().min(0).max(1000).default(5).describe('Rotated files kept (events.jsonl.1 is the newest)'),
});

/**
 * Appends one CloudEvent per line to a JSONL file. Each batch is written and fsynced before the write
 * resolves. When the file would pass `rotateBytes`, it is renamed to `<path>.1` (older ones shift up
 * to `keepFiles`) and a new file is started.
 */
export async function createFileSink(config: z.output<typeof fileSinkConfig>, deps: SinkDeps): Promise<Sink> {
  const path = config.path ?? join(deps.dataDir, 'events.jsonl');
  await mkdir(dirname(path), { recursive: true });
  let size = await stat(path).then((s) => s.size, () => 0);
  // A crash can leave the last batch written but not acknowledged (it comes again) and a torn last line.
  const recent = await repairTail(path, Math.max(2 * config.maxBatchBytes * config.concurrency, 1024 * 1024));
  size = await stat(path).then((s) => s.size, () => 0);
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  async function rotate(): Promise<void> {
    if (config.keepFiles === 0) await rm(path, { force: true });
    for (let n = config.keepFiles; n >= 1; n--) {
      await rename(n === 1 ? path : `${path}.${n - 1}`, `${path}.${n}`).catch(ignoreMissing);
    }
    size = 0;
  }

  /** Opens per batch, so a file moved away by an outside tool is simply started again. */
  async function append(text: string): Promise<void> {
    const bytes = Buffer.byteLength(text);
    if (size > 0 && size + bytes > config.rotateBytes) await rotate();
    const handle = await open(path, 'a');
    try {
      size = (await handle.stat()).size;
      await handle.write(text);
      await handle.datasync();
      size += bytes;
    } finally {
      await handle.close();
    }
  }

  return {
    name: config.name ?? 'file',
    write(batch, signal) {
      const run = queue.then(() => {
        throwIfAborted(signal);
        if (closed) throw new Error('file sink is closed');
        const fresh = batch.filter((event) => !recent.delete(event.attributes.id));
        return append(fresh.map((event) => `${oneLine(eventToJson(event))}\n`).join(''));
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      closed = true;
      await queue;
    },
  };
}

/**
 * Cuts a torn last line (a write interrupted by a crash) and returns the ids of the events in the
 * file's last `window` bytes: a redelivered batch whose lines are already there is not written twice.
 */
async function repairTail(path: string, window: number): Promise<Set<string>> {
  const handle = await open(path, 'r+').catch(() => undefined);
  if (!handle) return new Set();
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, window);
    const tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, size - length);
    const end = tail.lastIndexOf(0x0a) + 1;
    if (end === 0 && length < size) {
      // A torn line longer than the window: end it, so the next line does not run into it.
      await handle.write('\n', size);
      return new Set();
    }
    if (end < length) await handle.truncate(size - length + end);
    const ids = tail.subarray(0, end).toString('utf8').matchAll(/^\{"specversion":"1\.0","id":"([^"\\]+)"/gm);
    return new Set([...ids].map((match) => match[1] as string));
  } finally {
    await handle.close();
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
