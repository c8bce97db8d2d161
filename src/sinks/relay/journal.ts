import { DatabaseSync } from 'node:sqlite';
import { walSync } from '../../storage/wal-sync';
import { createJournalFlush } from './journal-flush';

/**
 * What a relay sink has sent of each event, on disk, so a retried or redelivered event never repeats a
 * send the target accepted. A write is visible to `steps` at once and on disk once `flushed()` resolves
 * (its `fdatasync` runs off the event loop and is shared by the writes made meanwhile): the sink awaits
 * it after each accepted send, before its next call, and before it reports an event delivered.
 *
 * A target's send API has no idempotency key, so a call whose answer never came (a timeout, a broken
 * connection, an abort) may or may not have been delivered: the journal counts those calls per step, so the sink can bound how often such a step is sent again (see the
 * README, "What can be duplicated"). A call cut short by a crash is not counted: it is made again once
 * after the restart (counting it beforehand would need a write before every call, and a crash between
 * that write and the call would count a call never made, so a send could be lost).
 *
 * The file has its own byte bound: past `maxBytes` the oldest entries are dropped early (a redelivery
 * of such an old event would send it again), and `bytes()` feeds `imgw_relay_journal_bytes`.
 */
export interface RelayJournal {
  /** Steps of `eventId` begun so far: sent (accepted, or given up as unconfirmed), or how many calls went unanswered. */
  steps(eventId: string): ReadonlyMap<string, StepState>;
  /** A call of the step got no answer (it may have been delivered). */
  unanswered(eventId: string, step: string): void;
  /** The target accepted the step (`messageIds`), or the sink stops sending it (`undefined`: delivery unconfirmed). */
  record(eventId: string, step: string, messageIds: Readonly<Record<string, string>> | undefined): void;
  /** Resolves once every write made before the call is on disk; rejects for good once a flush failed (see `JournalFlush`). */
  flushed(): Promise<void>;
  /** Why the journal stopped confirming sends (a failed flush or write; only a restart clears it), or undefined. */
  fault(): string | undefined;
  /** Bytes in use (pages holding data). */
  bytes(): number;
  /** Flushes what is not on disk yet (on the calling thread), then closes the file. */
  close(): void;
}

export interface StepState {
  readonly sent: boolean;
  readonly unanswered: number;
}

export interface JournalOptions {
  readonly retentionMs: number;
  /** 0 = no bound. */
  readonly maxBytes: number;
  readonly clock: () => number;
  /** Entries dropped early to stay under `maxBytes`. */
  readonly onPruned?: (entries: number) => void;
  /** Called once, when a flush or a write fails (the journal confirms nothing from then on). */
  readonly onFlushFailed?: (failure: Error) => void;
}

/** The byte bound is checked every this many writes (reading two pragmas). */
const boundCheckEvery = 256;

export function openRelayJournal(path: string, options: JournalOptions): RelayJournal {
  const { clock, retentionMs, maxBytes } = options;
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  // Commits write the WAL without an fsync; `flush` makes them durable off the event loop.
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS sent (
    event_id TEXT NOT NULL,
    step TEXT NOT NULL,
    message_ids TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, step)
  ) WITHOUT ROWID`);
  db.exec('CREATE INDEX IF NOT EXISTS sent_at ON sent (sent_at)');
  db.exec(`CREATE TABLE IF NOT EXISTS unanswered (
    event_id TEXT NOT NULL,
    step TEXT NOT NULL,
    unanswered INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (event_id, step)
  ) WITHOUT ROWID`);
  const selectSent = db.prepare('SELECT step FROM sent WHERE event_id = ?');
  const selectUnanswered = db.prepare('SELECT step, unanswered FROM unanswered WHERE event_id = ?');
  const insertSent = db.prepare('INSERT OR IGNORE INTO sent (event_id, step, message_ids, sent_at) VALUES (?, ?, ?, ?)');
  const countUnanswered = db.prepare('INSERT INTO unanswered (event_id, step, unanswered, at) VALUES (?, ?, 1, ?) ON CONFLICT (event_id, step) DO UPDATE SET unanswered = unanswered + 1, at = excluded.at');
  const clearUnanswered = db.prepare('DELETE FROM unanswered WHERE event_id = ? AND step = ?');
  const pruneSent = db.prepare('DELETE FROM sent WHERE sent_at < ?');
  const pruneUnanswered = db.prepare('DELETE FROM unanswered WHERE at < ?');
  const oldest = db.prepare('SELECT sent_at FROM sent ORDER BY sent_at LIMIT 1 OFFSET ?');
  const countSent = db.prepare('SELECT count(*) AS n FROM sent');
  const pruneSentUpTo = db.prepare('DELETE FROM sent WHERE sent_at <= ?');
  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const record = (eventId: string, step: string, ids: string): void => {
    begin.run();
    try {
      insertSent.run(eventId, step, ids, clock());
      clearUnanswered.run(eventId, step);
      commit.run();
    } catch (error) {
      if (db.isTransaction) rollback.run();
      throw error;
    }
  };
  const pragmas = {
    pageCount: db.prepare('PRAGMA page_count'),
    freelistCount: db.prepare('PRAGMA freelist_count'),
    pageSize: db.prepare('PRAGMA page_size'),
  };
  for (const statement of Object.values(pragmas)) statement.setReturnArrays(true);
  const pragma = (name: keyof typeof pragmas): number => (pragmas[name].get() as unknown as [number])[0];
  let writes = 0;
  const flush = createJournalFlush(walSync(`${path}-wal`), options.onFlushFailed);

  const bytes = () => {
    return (pragma('pageCount') - pragma('freelistCount')) * pragma('pageSize');
  };

  /** Drops by age, then (over the bound) the oldest tenth of the entries until under 90 % of it. */
  function prune(): void {
    pruneSent.run(clock() - retentionMs);
    pruneUnanswered.run(clock() - retentionMs);
    for (let round = 0; maxBytes > 0 && bytes() > maxBytes * 0.9 && round < 10; round++) {
      const total = (countSent.get() as { n: number } | undefined)?.n ?? 0;
      const cut = (oldest.get(Math.max(0, Math.floor(total / 10))) as { sent_at: number } | undefined)?.sent_at;
      if (cut === undefined) break;
      const removed = Number(pruneSentUpTo.run(cut).changes) + Number(pruneUnanswered.run(cut + 1).changes);
      options.onPruned?.(removed);
    }
  }

  /** Runs a write; one that fails stops the journal (`fault`) before the error goes on to the caller. */
  const stopOnFailure = (write: () => unknown): void => {
    try {
      write();
    } catch (error) {
      flush.writeFailed(error);
      throw error;
    }
  };

  const wrote = () => {
    flush.wrote();
    if (++writes % boundCheckEvery !== 0) return;
    if (writes % (boundCheckEvery * 40) === 0 || (maxBytes > 0 && bytes() > maxBytes)) prune();
  };
  prune();

  return {
    steps(eventId) {
      const states = new Map<string, StepState>();
      for (const { step, unanswered } of selectUnanswered.all(eventId) as unknown as { step: string; unanswered: number }[]) states.set(step, { sent: false, unanswered });
      for (const { step } of selectSent.all(eventId) as unknown as { step: string }[]) states.set(step, { sent: true, unanswered: 0 });
      return states;
    },
    unanswered(eventId, step) {
      stopOnFailure(() => countUnanswered.run(eventId, step, clock()));
      wrote();
    },
    record(eventId, step, messageIds) {
      stopOnFailure(() => record(eventId, step, messageIds === undefined ? 'null' : JSON.stringify(messageIds)));
      wrote();
    },
    flushed: () => flush.flushed(),
    fault: () => flush.failure()?.message,
    bytes,
    close() {
      if (!db.isOpen) return;
      flush.close();
      db.close();
    },
  };
}
