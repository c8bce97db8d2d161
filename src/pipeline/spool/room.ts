import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { sqliteCode } from './sqlite';

/** Room a refused append must see free, beyond twice its own size, before callbacks are let in again; and the least room at open. */
export const headroom = 1024 * 1024;

/** Whether an error says the disk (or SQLite's page limit) has no room for the write. */
export function isFull(error: unknown): boolean {
  return sqliteCode(error) === 'SQLITE_FULL' || (error as { code?: unknown } | undefined)?.code === 'ENOSPC';
}

/** Free bytes an unprivileged writer may use on the filesystem holding `path`; undefined in memory. */
export function freeBytesBeside(path: string): () => number | undefined {
  if (path === ':memory:') return () => undefined;
  const dir = dirname(path);
  return () => {
    try {
      const stats = statfsSync(dir);
      return stats.bavail * stats.bsize;
    } catch {
      return undefined;
    }
  };
}

/**
 * Whether the spool can store callbacks now, for readiness. A failed commit makes it not ready until
 * a commit succeeds again. A full disk is different: a delivery's acknowledgement rewrites pages that
 * exist and still commits while every new event is refused, so "the last commit succeeded" would
 * turn readiness back on while callbacks fail. After an append (or any commit) is refused for room,
 * the spool stays not ready until an append succeeds or the filesystem shows room for that write
 * again (twice its size and 1 MiB), read when readiness is asked: a pod taken out of rotation gets
 * no callbacks to prove it can store them. A spool opened with less than 1 MiB free starts so too.
 * (`statfs` runs on the event loop: on a volume that hangs, SQLite's own writes there would already
 * hold the loop.)
 */
export function createRoomWatch(freeBytes: () => number | undefined) {
  let committing = true;
  /** Bytes free that would let callbacks in again, after an append was refused for room. */
  let needed: number | undefined;
  // Opened on a volume that is full already (a restart does not make room): not ready until there is.
  const free = freeBytes();
  if (free !== undefined && free < headroom) needed = headroom;
  return {
    /** A commit of any kind finished (`onCommit`); one refused for room waits for room like an append. */
    committed(ok: boolean, error?: unknown): void {
      if (!ok && isFull(error)) needed = Math.max(needed ?? 0, headroom);
      else committing = ok;
    },
    /** An append of about `bytes` was stored, or refused with `error`. */
    appended(error: unknown, bytes: number): void {
      if (error === undefined) needed = undefined;
      else if (isFull(error)) needed = Math.max(needed ?? 0, 2 * bytes + headroom);
    },
    get healthy(): boolean {
      if (needed !== undefined) {
        const free = freeBytes();
        if (free === undefined || free < needed) return false;
        needed = undefined;
      }
      return committing;
    },
    /** An append was refused for room and the disk has not shown room since. */
    get full(): boolean {
      return needed !== undefined;
    },
  };
}
