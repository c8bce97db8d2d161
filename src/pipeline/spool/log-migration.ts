import { column, type Database, pragma, transaction } from './sqlite';

/** Events copied per transaction: a kill during the copy loses at most one chunk's work. */
const chunk = 20_000;

const logTables = `
  CREATE TABLE IF NOT EXISTS log (
    seq         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    attributes  TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    message     TEXT
  );`;

const cursorTables = `
  CREATE TABLE cursors (
    sink    TEXT    PRIMARY KEY,
    acked   INTEGER NOT NULL,
    pending INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE exceptions (
    sink            TEXT    NOT NULL,
    seq             INTEGER NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('retry', 'dead', 'done')),
    received_at     INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         INTEGER NOT NULL DEFAULT 0,
    replay          INTEGER NOT NULL DEFAULT 0,
    first_error     TEXT,
    last_error      TEXT,
    first_failed_at INTEGER,
    last_failed_at  INTEGER,
    dead_at         INTEGER,
    PRIMARY KEY (sink, seq)
  ) WITHOUT ROWID;
  CREATE INDEX exceptions_seq ON exceptions (seq);
  CREATE INDEX exceptions_dead ON exceptions (state, dead_at) WHERE state = 'dead';
  CREATE TABLE audit (
    seq     INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    target  TEXT    NOT NULL,
    count   INTEGER NOT NULL,
    dry_run INTEGER NOT NULL
  );`;

/** A pending row written at append and never touched since: delivered in order from the cursor. */
const fresh = 'attempts = 0 AND next_at = received_at AND first_error IS NULL';

/**
 * Schema 3 to 4: from one pending row per event and sink to the log with cursors. Events are copied
 * into `log` in chunks (each its own transaction, resumed from the last copied seq after a crash);
 * then, in one transaction, each sink gets a cursor just before its oldest untouched pending event,
 * pending rows that were retried or re-queued become retry exceptions, dead letters become dead
 * exceptions, and events after the cursor the sink already had (delivered out of order) are marked
 * done, so nothing is delivered twice or lost. The old tables go, and the version changes, last.
 */
export function toLog(db: Database, version: number): void {
  db.exec(logTables);
  const copy = db.prepare(`
    INSERT INTO log (seq, id, received_at, attributes, data, message)
    SELECT seq, id, received_at, attributes, data, message FROM events
    WHERE seq > coalesce((SELECT max(seq) FROM log), 0) ORDER BY seq LIMIT ${chunk}`);
  while (copy.run().changes === chunk);
  transaction(db, () => {
    db.exec(cursorTables);
    const last = (column(db, 'SELECT coalesce(max(seq), 0) FROM log').get() as number);
    const sinks = column(db, 'SELECT sink FROM sink_counts UNION SELECT sink FROM pending UNION SELECT sink FROM dead_letters').all() as string[];
    for (const sink of sinks) carryOver(db, sink, last);
    db.exec(`
      DROP TABLE pending; DROP TABLE dead_letters; DROP TABLE sink_counts; DROP TABLE events;
      PRAGMA user_version = ${version};`);
  }, 'immediate')();
  // The old tables' pages go back to the file system instead of waiting on the free list.
  pragma(db, 'incremental_vacuum');
}

function carryOver(db: Database, sink: string, last: number): void {
  const oldestFresh = column(db, `SELECT min(seq) FROM pending WHERE sink = ? AND ${fresh}`).get(sink) as number | null;
  const cursor = oldestFresh === null ? last : oldestFresh - 1;
  db.prepare(`
    INSERT INTO exceptions (sink, seq, state, received_at, attempts, next_at, first_error, last_error, first_failed_at, last_failed_at)
    SELECT sink, seq, 'retry', received_at, attempts, next_at, first_error, last_error, first_failed_at, last_failed_at
    FROM pending WHERE sink = ? AND NOT (${fresh})`).run(sink);
  db.prepare(`
    INSERT OR IGNORE INTO exceptions (sink, seq, state, received_at, attempts, next_at, first_error, last_error, first_failed_at, last_failed_at, dead_at)
    SELECT sink, seq, 'dead', received_at, attempts, dead_at, first_error, last_error, first_failed_at, dead_at, dead_at
    FROM dead_letters WHERE sink = ?`).run(sink);
  db.prepare(`
    INSERT OR IGNORE INTO exceptions (sink, seq, state, received_at)
    SELECT ?, seq, 'done', received_at FROM log
    WHERE seq > ? AND seq NOT IN (SELECT seq FROM pending WHERE sink = ?)`).run(sink, cursor, sink);
  const pending = column(db, 'SELECT count(*) FROM pending WHERE sink = ?').get(sink) as number;
  db.prepare('INSERT INTO cursors (sink, acked, pending) VALUES (?, ?, ?)').run(sink, cursor, pending);
}
