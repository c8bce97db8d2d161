import { z } from 'zod';
import { statSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { defineSink } from './definition';
import { deliverySettings, throwIfAborted, type DeliveryDefaults, type Sink, type SinkDeps } from './sink';
import { openMarker, RecentIds, repairTail } from './file-tail';
import { jsonLines } from './stdout-sink';

/**
 * One append and one fsync per write: the common sizes; one write at a time (the file has one end).
 * Events gather for up to 25 ms before a write: at a steady 1,900 callbacks/s, 5 ms cut the gateway's
 * CPU per callback by about 9 % against none, and 25 ms (with the spool's 5 ms commit window) by about
 * a quarter more: the file's flushes compete with the spool's on the same disk. It delays only the
 * delivery, never a reply (bench/README.md).
 */
const fileDelivery: DeliveryDefaults = { batchSize: 1000, maxBatchBytes: 1024 * 1024, lingerMs: 25, concurrency: 1, timeoutMs: 10_000 };

export const fileSinkConfig = z.strictObject({
  type: z.literal('file'),
  ...deliverySettings(fileDelivery),
  path: z.string().min(1).optional().describe('JSONL file; defaults to $DATA_DIR/events.jsonl'),
  rotateBytes: z.number().int().min(1024).default(100 * 1024 * 1024).describe('Rotate when the file would grow past this size'),
  keepFiles: z.number().int().min(0).max(1000).default(5).describe('Rotated files kept (events.jsonl.1 is the newest)'),
});

interface OpenFile {
  readonly handle: FileHandle;
  readonly dev: number;
  readonly ino: number;
}

/**
 * Appends one CloudEvent per line to a JSONL file. The file stays open; each batch is one write (looped
 * only if the kernel takes part of it) and one `fdatasync` before the write resolves. A write that
 * cannot complete (a full disk's short write, `ENOSPC`, a failed `fdatasync`) cuts the file back to
 * where the batch began and rejects: no partial line, and nothing counted as delivered that is not
 * there. When the file would pass `rotateBytes`, it is renamed to `<path>.1` (older ones shift up to
 * `keepFiles`) and a new file is started; a file moved away by an outside tool is noticed at the next
 * batch and started again.
 *
 * Writes run one after the other. Events of a write that finished after its signal aborted (the
 * dispatcher timed it out and will send them again), and after a crash the events at the file's tail
 * (the last batches may not have been acknowledged), are remembered by id, and their next copy is
 * skipped once: a slow or interrupted write is never doubled. After a clean stop nothing is skipped, and
 * an event marked `replayed` is always written: an operator's replay always reaches the file.
 */
export async function createFileSink(config: z.output<typeof fileSinkConfig>, deps: SinkDeps): Promise<Sink> {
  const path = config.path ?? join(deps.dataDir, 'events.jsonl');
  await mkdir(dirname(path), { recursive: true });
  const window = Math.max(2 * config.maxBatchBytes * config.concurrency, 1024 * 1024);
  const limit = Math.max(10_000, 2 * config.batchSize * config.concurrency);
  // Ids of writes that finished after their caller gave up; and, after a crash, of the file's tail.
  const late = new RecentIds(limit);
  const fromTail = new RecentIds(limit);
  const marker = openMarker(path);
  const tail = await repairTail(path, window);
  if (marker.crashed || tail.torn) fromTail.addAll(tail.ids);
  marker.set();
  let file: OpenFile | undefined;
  let torn = false;
  let queue: Promise<unknown> = Promise.resolve();

  /** Whether a copy of `id` is already in the file (and forgets it: only the next copy is skipped). */
  function seen(id: string): boolean {
    const wasLate = late.take(id);
    return fromTail.take(id) || wasLate;
  }

  async function closeFile(): Promise<void> {
    const open = file;
    file = undefined;
    await open?.handle.close().catch(() => undefined);
  }

  async function rotate(): Promise<void> {
    await closeFile();
    if (config.keepFiles === 0) await rm(path, { force: true });
    for (let n = config.keepFiles; n >= 1; n--) {
      await rename(n === 1 ? path : `${path}.${n - 1}`, `${path}.${n}`).catch(ignoreMissing);
    }
  }

  /** The open file at `path` and its size; reopens when the file there is not the one held open. */
  async function current(): Promise<{ file: OpenFile; size: number }> {
    // Synchronous: a metadata lookup of a few microseconds, against the thread-pool round trip and the
    // promise machinery of the asynchronous call once per batch.
    const there = statSync(path, { throwIfNoEntry: false });
    if (file && there && there.dev === file.dev && there.ino === file.ino) return { file, size: there.size };
    await closeFile();
    const handle = await open(path, 'a');
    const opened = await handle.stat().catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    file = { handle, dev: opened.dev, ino: opened.ino };
    return { file, size: opened.size };
  }

  async function append(bytes: Buffer): Promise<void> {
    if (torn) {
      // An earlier failed write could not be cut back: cut its torn line now; its whole lines are kept.
      await closeFile();
      fromTail.addAll((await repairTail(path, window)).ids);
      torn = false;
    }
    let { file: target, size } = await current();
    if (size > 0 && size + bytes.length > config.rotateBytes) {
      await rotate();
      ({ file: target, size } = await current());
    }
    try {
      for (let offset = 0; offset < bytes.length; ) {
        const { bytesWritten } = await target.handle.write(bytes, offset, bytes.length - offset);
        if (bytesWritten <= 0) throw new Error(`short write to ${path}: ${offset} of ${bytes.length} bytes`);
        offset += bytesWritten;
      }
      await target.handle.datasync();
    } catch (error) {
      await target.handle.truncate(size).catch(() => (torn = true));
      await closeFile();
      throw error;
    }
  }

  return {
    name: config.name ?? 'file',
    write(batch, signal) {
      const run = queue.then(async () => {
        // The guard checked the signal on entry; this write may have waited behind others since.
        throwIfAborted(signal);
        const fresh = batch.filter((event) => event.replayed === true || !seen(event.attributes.id));
        if (fresh.length === 0) return;
        await append(jsonLines(fresh));
        // Finished after the caller gave up: these events will come again and must not be written twice.
        if (signal.aborted) late.addAll(fresh.map((event) => event.attributes.id));
      });
      queue = run.catch(() => undefined);
      return run;
    },
    /** Opens the file for appending, as a write does (creating it if missing), and closes it again. */
    async check() {
      try {
        await (await open(path, 'a')).close();
      } catch (error) {
        throw new Error(`file ${path} cannot be written: ${(error as Error).message}`, { cause: error });
      }
    },
    async close() {
      await queue;
      await closeFile();
      // Copies still owed a skip (a late write's events not yet come again): the next start must look at the tail.
      if (late.size === 0) await marker.clear();
    },
  };
}

export const fileSink = defineSink({ config: fileSinkConfig, delivery: fileDelivery, create: createFileSink });

function ignoreMissing(error: NodeJS.ErrnoException): undefined {
  if (error.code !== 'ENOENT') throw error;
  return undefined;
}
