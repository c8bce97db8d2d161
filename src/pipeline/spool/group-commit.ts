import { transaction, type Database } from './sqlite';

interface Pending {
  readonly work: () => unknown;
  /** No request waits for it (a delivery's acknowledgement): not counted toward `windowMinWrites`. */
  readonly background: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface Committed {
  readonly item: Pending;
  readonly result: { ok: true; value: unknown } | { ok: false; error: unknown };
}

/**
 * Makes what has been committed so far durable (an `fdatasync` of the WAL file on libuv's thread pool)
 * and calls `done` once it is, or with the error when it could not be. Absent for a database that is
 * made durable by SQLite itself (`synchronous=FULL`) or need not be (in memory).
 */
export type Sync = (done: (error?: unknown) => void) => void;

export interface GroupCommitOptions {
  /** Called after each commit (and after each sync) with its outcome. */
  readonly onCommit?: (ok: boolean, error?: unknown) => void;
  /**
   * Runs inside every transaction after its writes (state kept in memory and written with whatever
   * commits next, such as delivery cursors). If it throws, the transaction is rolled back.
   */
  readonly beforeCommit?: () => void;
  /** A transaction was rolled back as a whole: state changed in memory by its writes is stale. */
  readonly onRollback?: () => void;
  /** When given, a write resolves only after a sync that began after its commit has finished. */
  readonly sync?: Sync;
  /** The synchronous form of `sync`, used by `flush` at shutdown. */
  readonly syncNow?: () => void;
  /**
   * With `sync`: the least time (ms) from the start of one sync to the next commit, a group-commit
   * window. Under steady load it gathers the writes of several requests into one transaction and one
   * sync instead of one each; an idle committer commits at once. 0 (the default): no window.
   */
  readonly windowMs?: number;
  /**
   * The window opens only after a sync that covered at least this many writes (1, the default: after
   * every sync), not counting background ones (`submit`'s `background`). Like PostgreSQL's
   * `commit_siblings`: a lone client sending one callback after another never waits for a window,
   * which would only slow it down; writes that arrive together do.
   */
  readonly windowMinWrites?: number;
  /**
   * With `windowMs`: the window closes as soon as it holds this many writes a request waits for (not
   * counting background ones): a commit of that many shares its cost well enough, and clients that
   * send their next request only after a reply are not held back a whole window. No limit by default.
   */
  readonly windowMaxWrites?: number;
  /** Writes queued while a sync is in flight (or a window is open) before they are committed anyway (1,000). */
  readonly maxDeferred?: number;
  /** Reads the time for the window (ms); `performance.now` unless given. */
  readonly clock?: () => number;
  /** Runs `run` after `ms`, returning a cancel; `setTimeout` unless given. */
  readonly timer?: (run: () => void, ms: number) => () => void;
}

/** A write submitted after the spool was closed: it was not run, nothing of it is stored. */
export class SpoolClosedError extends Error {
  constructor() {
    super('the spool is closed');
    this.name = 'SpoolClosedError';
  }
}

const realTimer = (run: () => void, ms: number): (() => void) => {
  const handle = setTimeout(run, ms);
  return () => clearTimeout(handle);
};

/**
 * Runs writes that are submitted close together (in the same turn of the event loop, or, with `sync`,
 * while the previous sync runs and within `windowMs` of its start) in one SQLite transaction. Each write runs in its own savepoint: one that throws is rolled back and rejected
 * alone. A promise resolves only after the transaction holding its write has committed and (with
 * `sync`) reached the disk; if the commit or the sync fails, every write in it is rejected.
 *
 * With `sync`, the database runs with `synchronous=NORMAL` and the disk flush happens off the event
 * loop: while one flush is in flight, later requests are parsed and queued, and the next commit and
 * flush cover all of them. So the cost of a flush is shared by everything that arrived while the previous
 * one ran, and the event loop never waits on the disk.
 */
export function createGroupCommitter(db: Database, options: GroupCommitOptions | ((ok: boolean, error?: unknown) => void) = {}) {
  const settings: GroupCommitOptions = typeof options === 'function' ? { onCommit: options } : options;
  const { onCommit = () => {}, beforeCommit, onRollback, sync, syncNow, windowMs = 0, windowMinWrites = 1, windowMaxWrites = Infinity, maxDeferred = 1000, clock = () => performance.now(), timer = realTimer } = settings;
  let queue: Pending[] = [];
  /** Writes of the queue a request waits for (not background). */
  let queuedForeground = 0;
  /** A commit of the queue is arranged (next turn of the event loop, or when the window closes). */
  let scheduled = false;
  let cancelTimer: (() => void) | undefined;
  /** Committed, waiting for the next sync. */
  let unsynced: Committed[] = [];
  /** Committed and covered by the sync in flight, if one is. */
  let syncing: Committed[] | undefined;
  let lastSyncAt = -Infinity;
  /** How many writes the last sync covered, background ones not counted. */
  let lastSyncWrites = 0;
  /** Closed with the database: later writes are refused, never run on a closed connection. */
  let closed = false;
  /** Writes in the transaction being run (0 between commits). */
  let running = 0;

  const savepoint = db.prepare('SAVEPOINT group_write');
  const release = db.prepare('RELEASE group_write');
  const rollback = db.prepare('ROLLBACK TO group_write');
  const runBatch = transaction(db, (batch: Pending[]) => {
    const results = batch.map((item) => {
      savepoint.run();
      try {
        const value = item.work();
        release.run();
        return { ok: true as const, value };
      } catch (error) {
        // SQLite rolled the whole transaction back itself (SQLITE_FULL, an I/O error): the batch fails with the cause.
        if (!db.isTransaction) throw error;
        rollback.run();
        release.run();
        return { ok: false as const, error };
      }
    });
    beforeCommit?.();
    return results;
  });

  /**
   * Requests' writes first, then background ones: the first step of what runs on from each settled
   * write runs in that order, so a reply waiting only on its write tends to go out before a backfill's
   * next page or a lane's next batch.
   */
  function settle(committed: readonly Committed[], error?: unknown): void {
    for (const background of [false, true]) {
      for (const { item, result } of committed) {
        if (item.background !== background) continue;
        if (error !== undefined) item.reject(error);
        else if (result.ok) item.resolve(result.value);
        else item.reject(result.error);
      }
    }
  }

  function startSync(): void {
    if (!sync || syncing || unsynced.length === 0) return;
    const covered = unsynced;
    unsynced = [];
    syncing = covered;
    lastSyncAt = clock();
    lastSyncWrites = 0;
    for (const c of covered) if (!c.item.background) lastSyncWrites += 1;
    sync((error) => {
      // Settled already by a synchronous flush at shutdown.
      if (syncing !== covered) return;
      syncing = undefined;
      if (error !== undefined) onCommit(false, error);
      settle(covered, error);
      // What was submitted while the disk was busy is committed now (or when the window closes), in one
      // transaction, and the next sync follows it.
      if (queue.length > 0) schedule();
      else startSync();
    });
  }

  /**
   * Arranges the commit of the queue. With `sync`, nothing committed while a sync is in flight could be
   * answered before the next sync anyway, so the commit waits for the sync to end: one transaction per
   * sync instead of one per turn of the event loop, which writes each shared page (the tables' last
   * leaves, the counts) to the WAL once per sync. `windowMs` stretches the wait to a least time between
   * syncs, once a sync covered `windowMinWrites` writes. A full queue (`maxDeferred`) is committed at once, so no transaction grows without bound.
   */
  function schedule(): void {
    if (scheduled) {
      // A window is open and now holds enough requests' writes: it closes at once.
      if (cancelTimer !== undefined && queuedForeground >= windowMaxWrites) {
        cancelTimer();
        cancelTimer = undefined;
        setImmediate(flush);
      }
      return;
    }
    const full = queue.length >= maxDeferred;
    if (sync && syncing && !full) return;
    scheduled = true;
    const wait = sync && !full && lastSyncWrites >= windowMinWrites && queuedForeground < windowMaxWrites ? lastSyncAt + windowMs - clock() : 0;
    if (wait > 0) cancelTimer = timer(flush, wait);
    else setImmediate(flush);
  }

  function flush(): void {
    scheduled = false;
    cancelTimer?.();
    cancelTimer = undefined;
    const batch = queue;
    queue = [];
    queuedForeground = 0;
    if (batch.length === 0) return;
    let results: ReturnType<typeof runBatch>;
    running = batch.length;
    try {
      results = runBatch(batch);
    } catch (error) {
      onCommit(false, error);
      for (const item of batch) item.reject(error);
      try {
        onRollback?.();
      } catch (reloadError) {
        // The writes are answered already; a failed reload is reported like a failed commit, never thrown from a timer.
        onCommit(false, reloadError);
      }
      return;
    } finally {
      running = 0;
    }
    onCommit(true);
    const committed = results.map((result, i) => ({ item: batch[i] as Pending, result }));
    if (!sync) return settle(committed);
    // Failed writes were rolled back: they need no sync to be answered.
    settle(committed.filter((c) => !c.result.ok));
    for (const c of committed) if (c.result.ok) unsynced.push(c);
    startSync();
  }

  return {
    /**
     * Queues `work` (synchronous node:sqlite calls) for the next group commit; refused once closed.
     * `background`: no request waits for this write, so it does not count as concurrency toward
     * `windowMinWrites` (a delivery's acknowledgement beside a lone client's callback).
     */
    submit<T>(work: () => T, options: { readonly background?: boolean } = {}): Promise<T> {
      if (closed) return Promise.reject(new SpoolClosedError());
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, background: options.background === true, resolve: resolve as (value: unknown) => void, reject });
        if (options.background !== true) queuedForeground += 1;
        schedule();
      });
    },
    /** Commits whatever is queued now and, at shutdown, makes it durable before returning. */
    flush(): void {
      flush();
      if (!sync || (unsynced.length === 0 && !syncing)) return;
      const covered = [...(syncing ?? []), ...unsynced];
      unsynced = [];
      syncing = undefined;
      let error: unknown;
      try {
        (syncNow ?? (() => {}))();
      } catch (caught) {
        error = caught;
      }
      settle(covered, error);
    },
    /**
     * Commits what is queued, as `flush`, then refuses every later write (a request still in flight
     * when the service stops): the database is about to close, and a commit scheduled on it would fail
     * where nothing answers the writes it holds.
     */
    close(): void {
      this.flush();
      closed = true;
      cancelTimer?.();
      cancelTimer = undefined;
    },
    get queued(): number {
      return queue.length;
    },
    /**
     * Read by a write while it runs: how many writes its transaction holds, itself included (0 outside
     * a commit). Above 1, others wait for this commit (callbacks, acknowledgements): a bulk change can
     * take a smaller part of its work.
     */
    get sharing(): number {
      return running;
    },
  };
}

export type GroupCommitter = ReturnType<typeof createGroupCommitter>;
