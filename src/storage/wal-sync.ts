import { closeSync, existsSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';

/** What `walSync` returns: a flush on libuv's thread pool, its synchronous form, and the file's close. */
export interface WalSync {
  /** Flushes what was written to the file so far (`fdatasync` off the event loop); `done` gets the error, if any. */
  sync(done: (error?: unknown) => void): void;
  /** The same flush on the calling thread (for shutdown); a file not created yet has nothing to flush. */
  syncNow(): void;
  close(): void;
}

/**
 * Flushes a SQLite WAL file to disk (`fdatasync`, on libuv's thread pool) for a database that runs with
 * `synchronous=NORMAL`. With NORMAL, SQLite syncs the WAL only at checkpoints, and checkpoints sync the
 * WAL before copying it back: with this flush after a commit, and before anything relies on that commit,
 * the commit is on disk as surely as with `synchronous=FULL`, without an `fsync` on the event loop.
 * Used by the spool's group committer and the relay journal. The file is opened at the first flush
 * and kept open until `close`.
 */
export function walSync(path: string): WalSync {
  let fd: number | undefined;
  const descriptor = (): number => (fd ??= openSync(path, 'r'));
  return {
    sync(done) {
      let target: number;
      try {
        target = descriptor();
      } catch (error) {
        done(error);
        return;
      }
      fdatasync(target, (error) => done(error ?? undefined));
    },
    syncNow() {
      if (existsSync(path)) fdatasyncSync(descriptor());
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
