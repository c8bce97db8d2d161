import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { arrays, blob, column, openSqlite, pragma, sqliteCode, transaction } from '../../../src/pipeline/spool/sqlite';

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
};

describe('the spool on node:sqlite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imgw-sqlite-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('When a transaction function returns, then its writes are committed; when it throws, none are', () => {
    const db = openSqlite(':memory:');
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    const write = transaction(db, (values: string[]) => {
      for (const value of values) insert.run(value);
      if (values.includes('bad')) throw new Error('refused');
      return values.length;
    });

    expect(write(['a', 'b'])).toBe(2);
    expect(() => write(['c', 'bad'])).toThrow('refused');

    expect(column(db, 'SELECT v FROM t ORDER BY v').all()).toEqual(['a', 'b']);
    expect(db.isTransaction).toBe(false);
    db.close();
  });

  test('When a transaction runs inside another, then it rolls back only its own writes', () => {
    const db = openSqlite(':memory:');
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    const inner = transaction(db, (value: string) => {
      insert.run(value);
      throw new Error('inner refused');
    });
    const outer = transaction(db, () => {
      insert.run('outer');
      expect(() => inner('inner')).toThrow('inner refused');
    }, 'immediate');

    outer();

    expect(column(db, 'SELECT v FROM t').all()).toEqual(['outer']);
    db.close();
  });

  test('When the COMMIT itself fails, then the transaction is rolled back, not left open', () => {
    const db = openSqlite(':memory:');
    db.exec('PRAGMA foreign_keys = ON; CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)');
    // A deferred foreign key is checked at COMMIT: the write succeeds, the commit does not.
    const write = transaction(db, () => db.prepare('INSERT INTO c VALUES (7)').run());

    const error = thrown(write);

    expect(sqliteCode(error)).toBe('SQLITE_CONSTRAINT');
    expect(db.isTransaction).toBe(false);
    expect(column(db, 'SELECT count(*) FROM c').get()).toBe(0);
    db.close();
  });

  test('When another connection holds the database exclusively, then the error is SQLITE_BUSY', () => {
    const path = join(dir, 'held.db');
    const holder = new DatabaseSync(path);
    holder.exec('PRAGMA locking_mode = EXCLUSIVE; CREATE TABLE t (v); INSERT INTO t VALUES (1)');

    expect(sqliteCode(thrown(() => openSqlite(path, { timeout: 0 })))).toBe('SQLITE_BUSY');
    holder.close();
  });

  test('When the file is not a database, then the error is SQLITE_NOTADB; other errors have no SQLite code', () => {
    const path = join(dir, 'text.db');
    writeFileSync(path, 'this is not a database file, only text that is long enough to fill a header.'.repeat(20));

    expect(sqliteCode(thrown(() => openSqlite(path)))).toBe('SQLITE_NOTADB');
    expect(sqliteCode(new Error('database disk image is malformed'))).toBeUndefined();
    expect(sqliteCode(Object.assign(new Error('x'), { code: 'SQLITE_CORRUPT' }))).toBeUndefined();
  });

  test('When values are read, then pragmas, single columns, arrays and BLOBs come back as the spool uses them', () => {
    const db = openSqlite(':memory:');
    db.exec('CREATE TABLE t (n INTEGER, b BLOB)');
    db.prepare('INSERT INTO t VALUES (?, ?)').run(1, Buffer.from('héllo'));

    expect(pragma(db, 'cache_size')).toBe(-2000);
    expect(column(db, 'SELECT n FROM t WHERE n = ?').get(2)).toBeUndefined();
    expect(arrays(db, 'SELECT n, length(b) FROM t').all()).toEqual([[1, 6]]);
    const body = blob(column(db, 'SELECT b FROM t').get());
    expect(Buffer.isBuffer(body)).toBe(true);
    expect(body.toString('utf8')).toBe('héllo');
    db.close();
  });
});
