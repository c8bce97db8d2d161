import Database from 'better-sqlite3';

/**
 * Which sends of each relayed event Easemob has already accepted, on disk. Easemob's send API has no
 * idempotency key, so a retried or redelivered event (timeout, restart, a later send of the same event
 * failing) would otherwise send its earlier parts again. Each accepted send is recorded (fsynced) right
 * after Easemob's 200, and skipped when the event comes again: what can still be duplicated is only a
 * send whose answer never arrived (one call, see the README).
 */
export interface RelayJournal {
  /** Steps (keys of sends) of `eventId` already accepted by Easemob. */
  done(eventId: string): ReadonlySet<string>;
  record(eventId: string, step: string, messageIds: Record<string, string>): void;
  close(): void;
}

export function openRelayJournal(path: string, retentionMs: number, clock: () => number): RelayJournal {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE IF NOT EXISTS sent (
    event_id TEXT NOT NULL,
    step TEXT NOT NULL,
    message_ids TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, step)
  ) WITHOUT ROWID`);
  db.exec('CREATE INDEX IF NOT EXISTS sent_at ON sent (sent_at)');
  const select = db.prepare<[string], { step: string }>('SELECT step FROM sent WHERE event_id = ?');
  const insert = db.prepare('INSERT OR IGNORE INTO sent (event_id, step, message_ids, sent_at) VALUES (?, ?, ?, ?)');
  const prune = db.prepare('DELETE FROM sent WHERE sent_at < ?');
  let writes = 0;
  prune.run(clock() - retentionMs);
  return {
    done(eventId) {
      return new Set(select.all(eventId).map((row) => row.step));
    },
    record(eventId, step, messageIds) {
      insert.run(eventId, step, JSON.stringify(messageIds), clock());
      if (++writes % 10_000 === 0) prune.run(clock() - retentionMs);
    },
    close() {
      if (db.open) db.close();
    },
  };
}
