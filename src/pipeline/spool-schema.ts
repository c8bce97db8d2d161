/**
 * The spool's tables. `events` holds each accepted event once (unique id); `pending` one row per event
 * and sink still to deliver; `dead_letters` what a sink gave up on; `quarantine` raw requests that
 * could not become events. Times are milliseconds since the epoch.
 */
export const spoolSchema = `
  CREATE TABLE IF NOT EXISTS events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    received_at INTEGER NOT NULL,
    attributes  TEXT    NOT NULL,
    data        TEXT    NOT NULL
  );
  CREATE INDEX IF NOT EXISTS events_received_at ON events (received_at);
  CREATE TABLE IF NOT EXISTS pending (
    sink        TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    next_at     INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    first_error TEXT,
    last_error  TEXT,
    first_failed_at INTEGER,
    last_failed_at  INTEGER,
    PRIMARY KEY (sink, seq)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS pending_seq ON pending (seq);
  CREATE TABLE IF NOT EXISTS dead_letters (
    sink        TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    attempts    INTEGER NOT NULL,
    first_error TEXT,
    last_error  TEXT,
    first_failed_at INTEGER,
    dead_at     INTEGER NOT NULL,
    PRIMARY KEY (sink, seq)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS dead_letters_seq ON dead_letters (seq);
  CREATE TABLE IF NOT EXISTS quarantine (
    qid         INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at INTEGER NOT NULL,
    vendor      TEXT    NOT NULL,
    command     TEXT,
    reason      TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    query       TEXT    NOT NULL,
    body        BLOB    NOT NULL
  );
`;
