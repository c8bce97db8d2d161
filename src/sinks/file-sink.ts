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
        return append(batch.map((event) => `${oneLine(eventToJson(event))}\n`).join(''));
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

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
