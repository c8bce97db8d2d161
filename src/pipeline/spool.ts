import Database from 'better-sqlite3';
import { closeSync, existsSync, fdatasync, fdatasyncSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Event, EventAttributes } from '../events/event';
import { startCheckpointer } from './checkpointer';
import { createGroupCommitter } from './group-commit';
import { migrateSpool } from './spool-schema';

/** One event waiting for one sink. */
export interface SpooledEvent {
  readonly seq: number;
  readonly attempts: number;
  readonly receivedAt: number;
  readonly event: Event;
}

/**
 * What of a request head is kept with a quarantined body (the shape of the vendor contract's
 * `StoredHead`; the pipeline does not import vendor modules): the query string without `?` and the
 * vendor's headers, secrets already redacted.
 */
export interface QuarantinedHead {
  readonly query?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** An authenticated request that could not become an event, kept raw for re-driving after a fix. */
export interface QuarantineEntry {
  readonly receivedAt: number;
  readonly vendor: string;
  readonly command: string | undefined;
  readonly reason: string;
  readonly detail: string;
  readonly head: QuarantinedHead;
  readonly body: Buffer;
}

export interface SinkBacklog {
  readonly sink: string;
  readonly pending: number;
  readonly oldestReceivedAt: number | undefined;
}


/**
 * The durable outbox (SQLite, WAL, every commit flushed to disk before it is answered). An event is appended once, with one pending
 * row per sink; a sink's row is removed when that sink has it. Writes from concurrent requests share a
 * transaction (group commit). Reads are synchronous and cheap (indexed).
 */
export interface SpoolSink {
  readonly name: string;
  /** Whether this sink wants the event (its route filter); evaluated once, at commit. */
  readonly accepts: (event: Event) => boolean;
}

/** How the quarantine is kept apart from the bounds: its own byte cap (oldest dropped first) and retention. */
export interface QuarantineLimits {
  /** Most bytes of quarantined bodies; the oldest entries go first. 0 = no limit. */
  readonly maxBytes: number;
}

/** A quarantined request removed by the quarantine's byte cap: whose it was and why it was quarantined. */
export interface QuarantineDropped {
  readonly vendor: string;
  readonly reason: string;
}

/** SQLite result codes that mean the database file itself is damaged. */
const damageCodes = /^SQLITE_(CORRUPT|NOTADB|IOERR)/;

/**
 * Holds an OS file lock (fcntl, released by the kernel when the process dies, even on `kill -9`) on
 * `<spool>.lock` for as long as the process runs: a second gateway on the same DATA_DIR cannot start.
 */
export function lockSpool(path: string): { release(): void } {
  mkdirSync(dirname(path), { recursive: true });
  const lockPath = `${path}.lock`;
  const lock = new Database(lockPath, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, started_at TEXT); DELETE FROM holder;');
    lock.prepare('INSERT INTO holder VALUES (?, ?)').run(process.pid, new Date().toISOString());
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new Error(`the spool ${path} is in use by another gateway process (lock ${lockPath} is held): run one process per DATA_DIR`, { cause: error });
    }
    throw error;
  }
  return { release: () => lock.close() };
}

/**
 * Flushes the WAL file to disk (`fdatasync`, on libuv's thread pool) for the group committer. The
 * database runs with `synchronous=NORMAL`, so SQLite syncs the WAL only at checkpoints, and
 * checkpoints sync the WAL before copying it back: with this flush after every commit and before any
 * reply, a committed write is on disk as surely as with `synchronous=FULL`. The file is opened at the
 * first flush (SQLite creates it with the first write) and kept open.
 */
function walSync(path: string) {
  let fd: number | undefined;
  const descriptor = (): number => (fd ??= openSync(path, 'r'));
  return {
    sync(done: (error?: unknown) => void): void {
      let target: number;
      try {
        target = descriptor();
      } catch (error) {
        done(error);
        return;
      }
      fdatasync(target, (error) => done(error ?? undefined));
    },
    syncNow(): void {
      if (existsSync(path)) fdatasyncSync(descriptor());
    },
    close(): void {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

export function openSpool(options: {
  path: string;
  sinks: readonly (SpoolSink | string)[];
  quarantine?: QuarantineLimits;
  /** Run SQLite's quick_check at open (reads every page once); problems make the spool `damaged`, not a crash. */
  verify?: boolean;
  /** After a commit that dropped quarantined requests to keep under the quarantine's byte cap (for the metric). */
  onQuarantineDropped?: (dropped: readonly QuarantineDropped[]) => void;
  /**
   * Copy the WAL back into the database from a worker thread (`checkpointer.ts`) instead of inside a
   * commit on the event loop. For the long-running service; the CLI's short sessions do without.
   */
  backgroundCheckpoints?: { intervalMs?: number; onError?: (error: Error) => void };
  /**
   * Least time (ms) between the start of one WAL flush and the next commit, after a flush that covered
   * at least three writes (`group-commit.ts`); 0: none.
   */
  commitWindowMs?: number;
}) {
  const sinks: SpoolSink[] = options.sinks.map((sink) => (typeof sink === 'string' ? { name: sink, accepts: () => true } : sink));
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  // The WAL is flushed to disk by the group committer, off the event loop, before any write of it is
  // answered (see `walSync` below): as durable as FULL, without blocking the event loop on the disk.
  const onDisk = options.path !== ':memory:';
  db.pragma(onDisk ? 'synchronous = NORMAL' : 'synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  // After a checkpoint the WAL file is cut back to this size instead of staying at its high-water mark.
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  try {
    migrateSpool(db);
  } catch (error) {
    db.close();
    throw error;
  }
  const checkpointer = onDisk && options.backgroundCheckpoints ? startCheckpointer(options.path, options.backgroundCheckpoints) : undefined;
  // The thread copies frames back while the writer goes on, but only the writer can start the WAL over,
  // and only once every frame has been copied: its own (passive) checkpoint every 4,000 frames (16 MiB)
  // finds little or nothing left to copy, so it costs the event loop two short syncs, and bounds the WAL
  // should the thread stop.
  if (checkpointer) db.pragma('wal_autocheckpoint = 4000');

  let healthy = true;
  let lastError: unknown;
  let damage: string | undefined;
  const markDamaged = (error: unknown): void => {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (damage === undefined && typeof code === 'string' && damageCodes.test(code)) damage = `${code}: ${(error as Error).message}`;
  };
  if (options.verify) {
    const problems = db.pragma('quick_check(5)', { simple: false }) as { quick_check: string }[];
    if (problems.length !== 1 || problems[0]?.quick_check !== 'ok') {
      const lines = problems.flatMap((p) => p.quick_check.split('\n')).filter((line) => line.trim() && !line.startsWith('***'));
      damage = `quick_check: ${lines.join('; ')}`;
    }
  }
  // The files this connection writes: if either is deleted or replaced under it, acknowledged events
  // would be lost at the next start.
  const identity = (file: string) => {
    try {
      return statSync(file).ino;
    } catch {
      return undefined;
    }
  };
  const files = options.path === ':memory:' ? [] : [options.path, `${options.path}-wal`].map((file) => ({ file, ino: identity(file) }));
  const listeners: (() => void)[] = [];
  const wal = onDisk ? walSync(`${options.path}-wal`) : undefined;
  const committer = createGroupCommitter(db, {
    onCommit: (ok, error) => {
      healthy = ok;
      lastError = error;
      if (!ok) markDamaged(error);
    },
    sync: wal?.sync,
    syncNow: wal?.syncNow,
    windowMs: options.commitWindowMs ?? 0,
    // Two writes can be one client's callback and the delivery of its predecessor: three are concurrency.
    windowMinWrites: 3,
  });

  const insertEvent = db.prepare(
    'INSERT OR IGNORE INTO events (id, received_at, attributes, data, message) VALUES (?, ?, ?, ?, ?)',
  );
  const insertPending = db.prepare('INSERT INTO pending (sink, seq, received_at, next_at) VALUES (?, ?, ?, ?)');
  const insertQuarantine = db.prepare(
    'INSERT INTO quarantine (received_at, vendor, command, reason, detail, head, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const selectOldest = db.prepare(`
    SELECT p.seq, p.attempts, p.next_at AS nextAt, e.received_at AS receivedAt, e.attributes, e.data, e.message
    FROM pending p JOIN events e ON e.seq = p.seq
    WHERE p.sink = ? ORDER BY p.seq LIMIT ?`);
  const selectNextDue = db.prepare('SELECT next_at FROM pending WHERE sink = ? ORDER BY seq LIMIT 1').pluck();
  const deletePending = db.prepare('DELETE FROM pending WHERE sink = ? AND seq = ?');
  const updateFailed = db.prepare(`
    UPDATE pending SET attempts = attempts + ?, next_at = ?, last_error = ?, first_error = coalesce(first_error, ?),
      first_failed_at = coalesce(first_failed_at, ?), last_failed_at = ?
    WHERE sink = ? AND seq = ?`);
  const selectPendingCounts = db.prepare('SELECT sink, pending FROM sink_counts WHERE pending > 0 ORDER BY sink');
  const selectOldestPending = db.prepare('SELECT received_at FROM pending WHERE sink = ? ORDER BY seq LIMIT 1').pluck();
  const pruneEvents = db.prepare(`
    DELETE FROM events WHERE seq IN (
      SELECT e.seq FROM events e WHERE e.received_at < ?
      AND NOT EXISTS (SELECT 1 FROM pending p WHERE p.seq = e.seq)
      AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.seq = e.seq) LIMIT ?)`);
  const moveToDeadLetters = db.prepare(`
    INSERT OR REPLACE INTO dead_letters (sink, seq, received_at, attempts, first_error, last_error, first_failed_at, dead_at)
    SELECT sink, seq, received_at, attempts + 1, coalesce(first_error, @error), @error, coalesce(first_failed_at, @now), @now
    FROM pending WHERE sink = @sink AND seq = @seq`);
  const selectSeq = db.prepare('SELECT seq FROM events WHERE id = ?').pluck();
  const trimEvents = db.prepare(`
    DELETE FROM events WHERE seq <= (SELECT max(seq) FROM events) - ?
      AND NOT EXISTS (SELECT 1 FROM pending p WHERE p.seq = events.seq)
      AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.seq = events.seq)`);
  const deleteAllPending = db.prepare('DELETE FROM pending WHERE seq = ?');
  const deleteEvent = db.prepare('DELETE FROM events WHERE seq = ?');
  const selectQuarantineSize = db.prepare('SELECT entries, bytes FROM quarantine_size');
  const dropOldestQuarantined = db.prepare('DELETE FROM quarantine WHERE qid IN (SELECT qid FROM quarantine ORDER BY qid LIMIT 1) RETURNING vendor, reason');
  const pruneQuarantine = db.prepare('DELETE FROM quarantine WHERE received_at < ?');
  const selectHistoryFrom = db.prepare('SELECT received_at FROM events ORDER BY seq LIMIT 1').pluck();
  const selectSeqRange = db.prepare('SELECT min(seq) AS first, max(seq) AS last FROM events');
  const deleteDeliveredIn = db.prepare(`
    DELETE FROM events WHERE seq IN (
      SELECT e.seq FROM events e WHERE e.seq >= ? AND e.seq < ?
        AND NOT EXISTS (SELECT 1 FROM pending p WHERE p.seq = e.seq)
        AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.seq = e.seq)
      ORDER BY e.seq LIMIT ?)`);
  const quarantineMaxBytes = options.quarantine?.maxBytes ?? 0;
  let quarantineDropped = 0;
  const selectDeadLetterCounts = db.prepare('SELECT sink, dead AS count FROM sink_counts WHERE dead > 0 ORDER BY sink');

  function toSpooled(row: { seq: number; attempts: number; receivedAt: number; attributes: string; data: string; message: string | null }): SpooledEvent {
    const attributes = JSON.parse(row.attributes) as EventAttributes;
    const event: Event = row.message === null ? { attributes, data: row.data } : { attributes, data: row.data, message: row.message };
    return { seq: row.seq, attempts: row.attempts, receivedAt: row.receivedAt, event };
  }

  return {
    /** Removes an event entirely (a direct delivery that failed must not make its resend a duplicate). */
    forget(id: string): Promise<void> {
      return committer.submit(() => {
        const seq = selectSeq.get(id) as number | undefined;
        if (seq === undefined) return;
        deleteAllPending.run(seq);
        deleteEvent.run(seq);
      });
    },

    /** Makes the event durable. Resolves `duplicate` when an event with the same id is already stored. */
    async append(event: Event, receivedAt: number): Promise<'accepted' | 'duplicate'> {
      const outcome = await committer.submit(() => {
        const info = insertEvent.run(event.attributes.id, receivedAt, JSON.stringify(event.attributes), event.data, event.message ?? null);
        if (info.changes === 0) return 'duplicate' as const;
        for (const sink of sinks) if (sink.accepts(event)) insertPending.run(sink.name, info.lastInsertRowid, receivedAt, receivedAt);
        return 'accepted' as const;
      });
      if (outcome === 'accepted') for (const listener of listeners) listener();
      return outcome;
    },

    /** Stores a request that could not become an event. Resolves with its quarantine id. */
    async quarantine(entry: QuarantineEntry): Promise<number> {
      const dropped: QuarantineDropped[] = [];
      const stored = await committer.submit(() => {
        dropped.length = 0;
        const qid = Number(
          insertQuarantine.run(entry.receivedAt, entry.vendor, entry.command ?? null, entry.reason, entry.detail, JSON.stringify(entry.head), entry.body)
            .lastInsertRowid,
        );
        // The quarantine has its own cap: the oldest entries make room (the newest is always kept).
        if (quarantineMaxBytes > 0) {
          while ((selectQuarantineSize.get() as { entries: number; bytes: number }).bytes > quarantineMaxBytes) {
            const size = selectQuarantineSize.get() as { entries: number };
            if (size.entries <= 1) break;
            dropped.push(...(dropOldestQuarantined.all() as QuarantineDropped[]));
          }
        }
        return qid;
      });
      quarantineDropped += dropped.length;
      if (dropped.length > 0) options.onQuarantineDropped?.(dropped);
      return stored;
    },

    /** Removes quarantined requests received before `before`; returns how many. */
    pruneQuarantine(before: number): Promise<number> {
      return committer.submit(() => pruneQuarantine.run(before).changes);
    },

    /** Quarantined requests dropped so far by the byte cap (oldest first). */
    get quarantineDropped(): number {
      return quarantineDropped;
    },

    quarantineSize(): { entries: number; bytes: number } {
      return selectQuarantineSize.get() as { entries: number; bytes: number };
    },

    /** Bytes of live database pages, without quarantined bodies (those have their own cap). */
    storedBytes(): number {
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      const used = (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
      return Math.max(0, used * pageSize - this.quarantineSize().bytes);
    },

    /** When the oldest stored event was received (de-duplication and replay reach back to here). */
    historyFrom(): number | undefined {
      return (selectHistoryFrom.get() as number | undefined) ?? undefined;
    },

    /**
     * Under byte pressure: removes delivered events (no pending row, no dead letter) oldest first, in
     * short transactions of at most `batch` events, looking at `window` sequence numbers at a time
     * (bounded work per turn of the event loop, even behind a long run of pending events), until
     * `storedBytes()` is at most `targetBytes`. `exhausted` when every window was visited and the
     * target is still not met.
     */
    async relieve(targetBytes: number, { window = 5000, batch = 256 } = {}): Promise<{ removed: number; exhausted: boolean }> {
      const { first, last } = selectSeqRange.get() as { first: number | null; last: number | null };
      let removed = 0;
      if (first === null || last === null) return { removed, exhausted: this.storedBytes() > targetBytes };
      for (let from = first; from <= last; ) {
        if (this.storedBytes() <= targetBytes) return { removed, exhausted: false };
        const changes = await committer.submit(() => deleteDeliveredIn.run(from, from + window, batch).changes);
        removed += changes;
        if (changes < batch) from += window;
      }
      return { removed, exhausted: this.storedBytes() > targetBytes };
    },

    /** The configured sinks' names. */
    sinkNames: sinks.map((sink) => sink.name),

    /**
     * Up to `limit` of the oldest events pending for `sink`, in acceptance order, stopping at the first
     * one not yet due: a sink receives events in order, and a retried event holds back the later ones.
     */
    due(sink: string, now: number, limit: number): SpooledEvent[] {
      let rows: (Parameters<typeof toSpooled>[0] & { nextAt: number })[];
      try {
        rows = selectOldest.all(sink, limit) as typeof rows;
      } catch (error) {
        markDamaged(error);
        throw error;
      }
      const firstWaiting = rows.findIndex((row) => row.nextAt > now);
      return (firstWaiting === -1 ? rows : rows.slice(0, firstWaiting)).map(toSpooled);
    },

    /** When the oldest pending event for `sink` becomes due, or undefined when nothing is pending. */
    nextDueAt(sink: string): number | undefined {
      return (selectNextDue.get(sink) as number | null) ?? undefined;
    },

    /** The sink has these events: they are no longer pending for it. */
    delivered(sink: string, seqs: readonly number[]): Promise<void> {
      return committer.submit(() => {
        for (const seq of seqs) deletePending.run(sink, seq);
      });
    },

    /**
     * A write failed: record the error and when to try again. `countAttempt` false for a wait the target
     * asked for (a quota, Retry-After): it does not use up `maxAttempts`.
     */
    failed(sink: string, seqs: readonly number[], error: string, nextAt: number, now = Date.now(), countAttempt = true): Promise<void> {
      return committer.submit(() => {
        for (const seq of seqs) updateFailed.run(countAttempt ? 1 : 0, nextAt, error, error, now, now, sink, seq);
      });
    },

    /** Gives up on these events for `sink`: they move to its dead letters with the error. */
    deadLetter(sink: string, seqs: readonly number[], error: string, now: number): Promise<void> {
      return committer.submit(() => {
        for (const seq of seqs) {
          moveToDeadLetters.run({ error, now, sink, seq });
          deletePending.run(sink, seq);
        }
      });
    },

    deadLetterCounts(): { sink: string; count: number }[] {
      return selectDeadLetterCounts.all() as { sink: string; count: number }[];
    },

    /**
     * Events waiting per sink and the oldest one's receipt time: kept counts plus one index lookup per
     * sink, so the cost does not grow with the backlog.
     */
    backlog(): SinkBacklog[] {
      return (selectPendingCounts.all() as { sink: string; pending: number }[]).map((row) => ({
        sink: row.sink,
        pending: row.pending,
        oldestReceivedAt: (selectOldestPending.get(row.sink) as number | undefined) ?? undefined,
      }));
    },

    /** Removes delivered events received before `before`, at most `limit` of them; returns how many. */
    async prune(before: number, limit = 5000): Promise<number> {
      const removed = await committer.submit(() => pruneEvents.run(before, limit).changes);
      if (removed > 0) db.pragma('incremental_vacuum');
      return removed;
    },

    /**
     * Keeps at most about the newest `maxEvents` events: older ones that no sink still waits for (no
     * pending row, no dead letter) are removed. For the in-memory id store of direct mode, whose size
     * would otherwise grow with the callback rate. Returns how many were removed.
     */
    trimTo(maxEvents: number): Promise<number> {
      return committer.submit(() => trimEvents.run(maxEvents).changes);
    },

    /** Prunes in chunks of `chunk` (each its own short transaction) until nothing older is left. */
    async pruneAll(before: number, chunk = 5000): Promise<number> {
      let total = 0;
      for (;;) {
        const removed = await this.prune(before, chunk);
        total += removed;
        if (removed < chunk) return total;
      }
    },

    /** Runs `work` in the group committer's next transaction (operator changes: never beside it). */
    submit<T>(work: () => T): Promise<T> {
      return committer.submit(work);
    },

    /** Wakes the dispatcher's lanes, as after an append (operator changes that queued events). */
    notifyAppended(): void {
      for (const listener of listeners) listener();
    },

    /** Called after every newly accepted event has been committed. */
    onAppend(listener: () => void): void {
      listeners.push(listener);
    },

    /** A reading outside the spool's own calls failed: a damaged-file error marks the spool damaged. */
    noteError(error: unknown): void {
      markDamaged(error);
    },

    /**
     * Why the spool cannot be trusted, or undefined: a failed integrity check at open, a read or
     * commit that met a corrupt page, or the database or WAL file deleted or replaced while open. In
     * the last case the WAL is checkpointed at once, so what it holds reaches the database file.
     * Sticky: a damaged spool needs an operator (docs/runbooks.md).
     */
    damage(): string | undefined {
      if (damage !== undefined) return damage;
      for (const { file, ino } of files) {
        const now = identity(file);
        if (ino !== undefined && now !== ino) {
          damage = `${file} was ${now === undefined ? 'deleted' : 'replaced'} while the gateway had it open`;
          try {
            db.pragma('wal_checkpoint(FULL)');
          } catch {
            // Nothing more can be saved from here.
          }
        }
      }
      return damage;
    },

    /** The background checkpoint thread's progress, when it runs. */
    get checkpoints(): { readonly copied: number } | undefined {
      return checkpointer;
    },

    /** False after a commit failed, until one succeeds again. */
    get healthy(): boolean {
      return healthy;
    },
    get lastError(): unknown {
      return lastError;
    },

    /**
     * Stops the background checkpoint thread and waits until it has closed its connection, so that
     * `close` is the last connection and leaves no WAL or shared-memory file behind (the service does
     * this before `close` at shutdown; nothing touches the data directory after it).
     */
    async stopCheckpoints(): Promise<void> {
      await checkpointer?.stop();
    },

    /** Commits what is queued and closes the database. */
    close(): void {
      committer.flush();
      wal?.close();
      void checkpointer?.stop();
      if (db.open) db.close();
    },

    db,
  };
}

export type Spool = ReturnType<typeof openSpool>;
