import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';

/**
 * The spool's few needs of Node's built-in SQLite binding (`node:sqlite`), in one place: opening a
 * connection, transactions, pragmas, single-column reads and what an error's result code means.
 */
export type Database = DatabaseSync;
export type Statement = StatementSync;

/**
 * Pages (KiB when negative) of page cache per connection: 2 MB, SQLite's default. The writer touches the
 * log's last pages and reads back what it just wrote; a search reads pages once. Against 16 MB (what
 * better-sqlite3 is built with) peak RSS under load was 8–10 MiB lower for the same CPU per callback,
 * throughput and search times (bench/README, "The collector on one core").
 */
const cacheSize = -2000;

/**
 * Opens (creating it if missing) a connection with a 2 MB page cache. `timeout` is the busy timeout
 * in ms (0: a locked database fails at once with SQLITE_BUSY).
 */
export function openSqlite(path: string, options: { timeout?: number } = {}): Database {
  const db = new DatabaseSync(path, { timeout: options.timeout ?? 0 });
  try {
    // Reads the schema: a database another process holds locked fails here (SQLITE_BUSY).
    db.exec(`PRAGMA cache_size = ${cacheSize}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Runs `PRAGMA <statement>` and returns its first row's first value (undefined without a row). */
export function pragma(db: Database, statement: string): unknown {
  const row = db.prepare(`PRAGMA ${statement}`).get();
  return row === undefined ? undefined : Object.values(row)[0];
}

/** Runs `PRAGMA <statement>` and returns every row. */
export function pragmaRows(db: Database, statement: string): Record<string, unknown>[] {
  return db.prepare(`PRAGMA ${statement}`).all();
}

/** A query read as its first column's values (one per row). */
export interface ColumnQuery {
  get(...params: SQLInputValue[]): unknown;
  all(...params: SQLInputValue[]): unknown[];
}

/** Prepares `sql` once; its reads return the first column only, not rows. */
export function column(db: Database, sql: string): ColumnQuery {
  const statement = db.prepare(sql);
  statement.setReturnArrays(true);
  return {
    get: (...params) => (statement.get(...params) as unknown[] | undefined)?.[0],
    all: (...params) => (statement.all(...params) as unknown as unknown[][]).map((row) => row[0]),
  };
}

/** Prepares `sql` once; its rows are arrays of values in column order, not objects. */
export function arrays(db: Database, sql: string): Statement {
  const statement = db.prepare(sql);
  statement.setReturnArrays(true);
  return statement;
}

/**
 * Wraps `fn` in a transaction: `BEGIN` (or `BEGIN IMMEDIATE`, which takes the write lock at once),
 * `COMMIT` when it returns, `ROLLBACK` when it or the `COMMIT` throws (unless SQLite already rolled
 * back, as it does after some errors). Called inside an open transaction it runs in a savepoint instead, so nested
 * use commits or rolls back only its own part.
 */
export function transaction<A extends unknown[], R>(db: Database, fn: (...args: A) => R, mode: 'deferred' | 'immediate' = 'deferred'): (...args: A) => R {
  const begin = db.prepare(mode === 'immediate' ? 'BEGIN IMMEDIATE' : 'BEGIN');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT nested');
  const release = db.prepare('RELEASE nested');
  const rollbackTo = db.prepare('ROLLBACK TO nested');
  return (...args) => {
    const nested = db.isTransaction;
    (nested ? savepoint : begin).run();
    try {
      const result = fn(...args);
      (nested ? release : commit).run();
      return result;
    } catch (error) {
      // A failed COMMIT (a full disk, say) can leave the transaction open: it is rolled back too.
      if (db.isTransaction) {
        (nested ? rollbackTo : rollback).run();
        if (nested) release.run();
      }
      throw error;
    }
  };
}

/** A BLOB as read (node:sqlite returns a Uint8Array) as a Buffer over the same memory. */
export function blob(value: unknown): Buffer {
  const bytes = value as Uint8Array;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** SQLite's primary result codes the gateway acts on, by number (the low byte of an extended code). */
const resultCodes: Readonly<Record<number, string>> = {
  1: 'SQLITE_ERROR',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  19: 'SQLITE_CONSTRAINT',
  26: 'SQLITE_NOTADB',
};

/**
 * The SQLite result code of an error node:sqlite threw, as SQLite names it ('SQLITE_BUSY',
 * 'SQLITE_CORRUPT', …; 'SQLITE_CODE_<n>' for one not named here); undefined for any other error.
 */
export function sqliteCode(error: unknown): string | undefined {
  const { code, errcode } = (error ?? {}) as { code?: unknown; errcode?: unknown };
  if (code !== 'ERR_SQLITE_ERROR' || typeof errcode !== 'number') return undefined;
  return resultCodes[errcode & 0xff] ?? `SQLITE_CODE_${errcode}`;
}
