import { type Database, pragma, pragmaRows, transaction } from './sqlite';

/**
 * Schema 5 to 6: what the gateway knows about messages it may have missed. `alive` is one row: when
 * this process started and when it last said it was alive (written every few seconds by
 * housekeeping, and at a clean stop). `gaps` holds each window to check against a vendor's history:
 * an outage of the gateway (`kind = 'outage'`, every vendor, from the last alive time to the next
 * start) or a hole in a conversation's message sequence (`kind = 'sequence'`, one vendor, app and
 * conversation, the missing sequence numbers and the times of their neighbours). `sequences` keeps the
 * last sequence number seen per conversation, so a hole that spans a restart is found too.
 * A separate step of its own so it can be renumbered beside other schema changes.
 */
const gapTables = `
  CREATE TABLE IF NOT EXISTS alive (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    started_at INTEGER NOT NULL,
    alive_at   INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS gaps (
    gid          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    vendor       TEXT,
    app          TEXT,
    conversation TEXT,
    from_at      INTEGER NOT NULL,
    until_at     INTEGER NOT NULL,
    from_seq     INTEGER,
    until_seq    INTEGER,
    detected_at  INTEGER NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'open',
    note         TEXT
  );
  CREATE INDEX IF NOT EXISTS gaps_state ON gaps (state, from_at);
  CREATE TABLE IF NOT EXISTS sequences (
    vendor       TEXT    NOT NULL,
    app          TEXT    NOT NULL,
    conversation TEXT    NOT NULL,
    last_seq     INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    PRIMARY KEY (vendor, app, conversation)
  ) WITHOUT ROWID;`;

/** Adds the gap tables (idempotent) and sets the version, in one transaction. */
export function toGaps(db: Database, version: number): void {
  transaction(db, () => {
    db.exec(gapTables);
    pragma(db, `user_version = ${version}`);
  }, 'immediate')();
}

/**
 * Schema 8 to 9: `gaps.resume_after`, where a window's read of the conversations seen has got to (the
 * key of the last conversation of the last page read to its end, as JSON), so a window stopped by a
 * restart or a failing API goes on from there instead of reading millions of conversations again.
 * Idempotent (the column is added once); a separate step so it can be renumbered beside other changes.
 */
export function toWindowProgress(db: Database, version: number): void {
  transaction(db, () => {
    const columns = pragmaRows(db, 'table_info(gaps)') as { name: string }[];
    if (!columns.some((c) => c.name === 'resume_after')) db.exec('ALTER TABLE gaps ADD COLUMN resume_after TEXT');
    pragma(db, `user_version = ${version}`);
  }, 'immediate')();
}
