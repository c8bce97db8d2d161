import type { WalSync } from '../../storage/wal-sync';

/** When the relay journal's writes are on disk (see `createJournalFlush`). */
export interface JournalFlush {
  /** A write was committed: visible to reads at once, on disk after the next flush. */
  wrote(): void;
  /**
   * Resolves once every write committed before the call is on disk: after a flush that began after
   * the last of them. Rejects once a flush has failed, from then on for good: the kernel may have
   * dropped the pages it could not write, so a later flush that succeeds proves nothing about them, and
   * a write accepted after the failure sits in the same WAL behind them.
   */
  flushed(): Promise<void>;
  /** The failure that stopped the journal (kept until a restart), or undefined while every flush has succeeded. */
  failure(): Error | undefined;
  /**
   * A write could not be committed (the disk is full, an I/O error): the journal stops as after a failed
   * flush, since a send it could not record would be made again.
   */
  writeFailed(error: unknown): void;
  /** Flushes on the calling thread what is not on disk yet and settles every waiter (the WAL is closed after a flush still out). */
  close(): void;
}

/**
 * Group flushes for the relay journal: SQLite commits with `synchronous=NORMAL` (no `fsync` on the
 * event loop), and one `fdatasync` of the WAL on libuv's thread pool covers every write committed
 * before it began; writes committed while it runs wait for the next one, which covers them all.
 */
export function createJournalFlush(wal: WalSync, onFailure?: (failure: Error) => void): JournalFlush {
  let written = 0;
  let durable = 0;
  let syncing = false;
  let closed = false;
  let failure: Error | undefined;
  let waiters: { readonly upTo: number; readonly resolve: () => void; readonly reject: (error: Error) => void }[] = [];

  const fail = (error: unknown, what = 'the relay journal could not be flushed to disk: what it recorded since may be lost'): void => {
    if (failure) return;
    failure = new Error(`${what}, so no send is confirmed until the gateway restarts and reopens it`, { cause: error });
    onFailure?.(failure);
  };
  const settle = (): void => {
    const waiting = waiters;
    waiters = [];
    for (const waiter of waiting) {
      if (failure) waiter.reject(failure);
      else if (waiter.upTo <= durable) waiter.resolve();
      else waiters.push(waiter);
    }
  };
  const flush = (): void => {
    if (syncing || closed || failure || waiters.length === 0) return;
    syncing = true;
    const upTo = written;
    wal.sync((error) => {
      syncing = false;
      if (closed) {
        wal.close();
        return;
      }
      if (error === undefined) durable = Math.max(durable, upTo);
      else fail(error);
      settle();
      flush();
    });
  };

  return {
    wrote() {
      written++;
    },
    flushed() {
      if (failure) return Promise.reject(failure);
      if (durable >= written) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiters.push({ upTo: written, resolve, reject });
        flush();
      });
    },
    failure: () => failure,
    writeFailed(error) {
      fail(error, 'the relay journal could not record a send: a send it does not remember could be made again');
      settle();
    },
    close() {
      if (closed) return;
      closed = true;
      if (!failure && durable < written) {
        try {
          wal.syncNow();
          durable = written;
        } catch (error) {
          fail(error);
        }
      }
      settle();
      if (!syncing) wal.close();
    },
  };
}
