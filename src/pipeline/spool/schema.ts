import { type Database, pragma, transaction } from './sqlite';
import { toLog } from './log-migration';
import { toConversations } from './conversations';
import { toGaps, toWindowProgress } from './gaps-migration';
import { toPauses } from './pauses';
import { toRequeueTimes } from './requeue-migration';
import { toOrigins } from './log-row';
import { toSearch } from './search';

/**
 * The spool's tables, versioned with `PRAGMA user_version`. Versions 1 to 3 kept one `pending` row per
 * event and sink; version 4 (`toLog`, in `log-migration.ts`) turns them into the log with cursors:
 * `log` holds each accepted event once under a sequential key; `cursors` each sink's progress
 * (everything up to `acked` is settled) and its pending count; `exceptions` the events of a sink that
 * are not simply "after the cursor": waiting for a retry, dead letters, and ones already delivered
 * ahead of the cursor when a spool was upgraded. Version 5 (`toSearch`, in `search.ts`) adds `search`:
 * the attributes the admin search filters on, keyed by the log's seq. Version 6 (`toPauses`, in
 * `pauses.ts`) adds `paused_sinks`: the sinks an operator paused. Version 7 (`toGaps`, in
 * `gaps-migration.ts`) adds the gateway's alive time, the gaps to check against the vendors' history
 * and the last sequence number per conversation. Version 8 (`toConversations`, in `conversations.ts`)
 * adds the conversations seen per vendor and app with their last time. Version 9 (`toWindowProgress`,
 * in `gaps-migration.ts`) adds where each window's read of them has got to. Version 11 (`toOrigins`,
 * in `log-row.ts`) adds `log.head`: for an event a vendor's mapping made, what it was made from, stored
 * instead of its attributes and neutral message (`attributes` is then empty and `message` NULL).
 * `quarantine` keeps raw requests that could not become
 * events. Times are milliseconds since the epoch.
 *
 * Each SQL migration runs once, in order, in one transaction with the version bump. A database created
 * before versioning (version 0 with the tables of migration 1) is brought forward like any other.
 * Append new migrations; never edit one that has shipped.
 */
export const spoolMigrations: readonly string[] = [
  // 1: the schema as first shipped (idempotent, so an unversioned database passes through it unchanged).
  `
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
  `,
  // 2: the neutral message beside the event; quarantine keeps the request head (query and headers) as
  // JSON instead of the URL. An old row's URL becomes head.query (the part after '?').
  `
  ALTER TABLE events ADD COLUMN message TEXT;
  CREATE TABLE quarantine_v2 (
    qid         INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at INTEGER NOT NULL,
    vendor      TEXT    NOT NULL,
    command     TEXT,
    reason      TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    head        TEXT    NOT NULL,
    body        BLOB    NOT NULL
  );
  INSERT INTO quarantine_v2 (qid, received_at, vendor, command, reason, detail, head, body)
    SELECT qid, received_at, vendor, command, reason, detail,
      json_object('query', CASE WHEN instr(query, '?') > 0 THEN substr(query, instr(query, '?') + 1)
                                WHEN substr(query, 1, 1) = '/' THEN '' ELSE query END),
      body
    FROM quarantine ORDER BY qid;
  DROP TABLE quarantine;
  ALTER TABLE quarantine_v2 RENAME TO quarantine;
  CREATE INDEX quarantine_received_at ON quarantine (received_at);
  `,
  // 3: counts kept as rows change, so reading a backlog never scans the pending rows.
  `
  CREATE TABLE sink_counts (
    sink    TEXT PRIMARY KEY,
    pending INTEGER NOT NULL DEFAULT 0,
    dead    INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  INSERT INTO sink_counts (sink, pending) SELECT sink, count(*) FROM pending GROUP BY sink;
  INSERT INTO sink_counts (sink, dead) SELECT sink, count(*) FROM dead_letters GROUP BY sink
    ON CONFLICT (sink) DO UPDATE SET dead = excluded.dead;
  CREATE TRIGGER pending_counted AFTER INSERT ON pending BEGIN
    INSERT INTO sink_counts (sink, pending) VALUES (NEW.sink, 1) ON CONFLICT (sink) DO UPDATE SET pending = pending + 1;
  END;
  CREATE TRIGGER pending_uncounted AFTER DELETE ON pending BEGIN
    UPDATE sink_counts SET pending = pending - 1 WHERE sink = OLD.sink;
  END;
  CREATE TRIGGER dead_counted AFTER INSERT ON dead_letters BEGIN
    INSERT INTO sink_counts (sink, dead) VALUES (NEW.sink, 1) ON CONFLICT (sink) DO UPDATE SET dead = dead + 1;
  END;
  CREATE TRIGGER dead_uncounted AFTER DELETE ON dead_letters BEGIN
    UPDATE sink_counts SET dead = dead - 1 WHERE sink = OLD.sink;
  END;
  CREATE TABLE quarantine_size (
    one     INTEGER PRIMARY KEY CHECK (one = 1),
    entries INTEGER NOT NULL,
    bytes   INTEGER NOT NULL
  );
  INSERT INTO quarantine_size (one, entries, bytes) SELECT 1, count(*), coalesce(sum(length(body)), 0) FROM quarantine;
  CREATE TRIGGER quarantine_counted AFTER INSERT ON quarantine BEGIN
    UPDATE quarantine_size SET entries = entries + 1, bytes = bytes + length(NEW.body);
  END;
  CREATE TRIGGER quarantine_uncounted AFTER DELETE ON quarantine BEGIN
    UPDATE quarantine_size SET entries = entries - 1, bytes = bytes - length(OLD.body);
  END;
  CREATE TRIGGER quarantine_recounted AFTER UPDATE OF body ON quarantine BEGIN
    UPDATE quarantine_size SET bytes = bytes - length(OLD.body) + length(NEW.body);
  END;
  `,
];

/** The version the move to the log ends at. */
const logVersion = spoolMigrations.length + 1;

/** The version the search table ends at. */
const searchVersion = logVersion + 1;

/** The version paused sinks end at. */
const pausesVersion = searchVersion + 1;

/** The version the gap tables end at. */
const gapsVersion = pausesVersion + 1;

/** The version the conversations seen end at. */
const conversationsVersion = gapsVersion + 1;

/** The version the progress of windows ends at. */
const windowProgressVersion = conversationsVersion + 1;

/** The version the times events were queued again end at. */
const requeueVersion = windowProgressVersion + 1;

/** The schema version this code reads and writes: the SQL migrations, the move to the log, the search table, paused sinks, the gap tables, the conversations seen, the progress of windows, the times events were queued again, what events were made from. */
export const spoolSchemaVersion = requeueVersion + 1;

/**
 * Brings the database to `spoolSchemaVersion`; returns the version it found. Refuses a database
 * written by a newer version (its tables may mean something this code does not know). The move to the
 * log copies events in chunks, each its own transaction, and resumes where it stopped if the process
 * dies meanwhile; the version changes only in its last transaction. Filling the search table works
 * the same way.
 */
export function migrateSpool(db: Database): number {
  const found = pragma(db, 'user_version') as number;
  if (found > spoolSchemaVersion) {
    throw new Error(`spool ${db.location() ?? ':memory:'} has schema version ${found}, newer than this version understands (${spoolSchemaVersion}); run a newer gateway or restore a backup`);
  }
  transaction(db, () => {
    for (let version = found; version < spoolMigrations.length; version += 1) {
      db.exec(spoolMigrations[version] as string);
      pragma(db, `user_version = ${version + 1}`);
    }
  }, 'immediate')();
  if (found < logVersion) toLog(db, logVersion);
  if (found < searchVersion) toSearch(db, searchVersion);
  if (found < pausesVersion) toPauses(db, pausesVersion);
  if (found < gapsVersion) toGaps(db, gapsVersion);
  if (found < conversationsVersion) toConversations(db, conversationsVersion);
  if (found < windowProgressVersion) toWindowProgress(db, windowProgressVersion);
  if (found < requeueVersion) toRequeueTimes(db, requeueVersion);
  if (found < spoolSchemaVersion) toOrigins(db, spoolSchemaVersion);
  return found;
}
