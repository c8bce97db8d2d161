import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * What the file sink knows of its file's last run: whether it ended in a crash, and which events at
 * the file's tail may come again. A crash can leave the last batches written but not acknowledged
 * (they are delivered again) and a torn last line; a clean stop leaves neither, so after one nothing is
 * skipped and an operator's replay of events already in the file writes them again.
 */

/** Ids whose next copy is skipped once, oldest forgotten first beyond `limit`. */
export class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly limit: number) {}

  get size(): number {
    return this.ids.size;
  }

  addAll(ids: Iterable<string>): void {
    for (const id of ids) {
      this.ids.delete(id);
      this.ids.add(id);
    }
    for (const id of this.ids) {
      if (this.ids.size <= this.limit) break;
      this.ids.delete(id);
    }
  }

  /** True (and forgets it) when `id` is remembered. */
  take(id: string): boolean {
    return this.ids.delete(id);
  }
}

/**
 * The marker that says a sink has the file open: made (and its directory synced) at start, removed at a
 * clean stop. Found at the next start, it means the last run ended in a crash. Hidden beside the file,
 * so tools that collect `events.jsonl*` do not see it.
 */
export function openMarker(path: string): { readonly crashed: boolean; set(): void; clear(): Promise<void> } {
  const marker = join(dirname(path), `.${basename(path)}.open`);
  let crashed = true;
  try {
    closeSync(openSync(marker, 'r'));
  } catch {
    crashed = false;
  }
  return {
    crashed,
    /** Best effort: where the marker cannot be made the file cannot be written either, and `check` says so. */
    set() {
      try {
        closeSync(openSync(marker, 'w'));
        // The marker must be on disk before the first line it protects.
        const dir = openSync(dirname(path), 'r');
        try {
          fsyncSync(dir);
        } finally {
          closeSync(dir);
        }
      } catch {
        // Nothing to protect yet; the first write fails with the cause.
      }
    },
    clear: () => rm(marker, { force: true }),
  };
}

/**
 * Cuts a torn last line (a write interrupted by a crash) and returns the ids of the events in the
 * file's last `window` bytes, and whether a line was torn.
 */
export async function repairTail(path: string, window: number): Promise<{ ids: Set<string>; torn: boolean }> {
  const handle = await open(path, 'r+').catch(() => undefined);
  if (!handle) return { ids: new Set(), torn: false };
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, window);
    const tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, size - length);
    const end = tail.lastIndexOf(0x0a) + 1;
    if (end === 0 && length < size) {
      // A torn line longer than the window: end it, so the next line does not run into it.
      await handle.write('\n', size);
      return { ids: new Set(), torn: true };
    }
    if (end < length) await handle.truncate(size - length + end);
    const ids = tail.subarray(0, end).toString('utf8').matchAll(/^\{"specversion":"1\.0","id":"([^"\\]+)"/gm);
    return { ids: new Set([...ids].map((match) => match[1] as string)), torn: end < length };
  } finally {
    await handle.close();
  }
}
