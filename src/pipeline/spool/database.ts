import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Database, openSqlite, pragma, pragmaRows, sqliteCode } from './sqlite';

/** SQLite result codes that mean the database file itself is damaged. */
const damageCodes = /^SQLITE_(CORRUPT|NOTADB|IOERR)$/;

/**
 * Holds an OS file lock (fcntl, released by the kernel when the process dies, even on `kill -9`) on
 * `<spool>.lock` for as long as the process runs: a second gateway on the same DATA_DIR cannot start.
 */
export function lockSpool(path: string): { release(): void } {
  mkdirSync(dirname(path), { recursive: true });
  const lockPath = `${path}.lock`;
  let lock: Database | undefined;
  try {
    lock = openSqlite(lockPath, { timeout: 0 });
    pragma(lock, 'locking_mode = EXCLUSIVE');
    lock.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, started_at TEXT); DELETE FROM holder;');
    lock.prepare('INSERT INTO holder VALUES (?, ?)').run(process.pid, new Date().toISOString());
  } catch (error) {
    lock?.close();
    if (sqliteCode(error) === 'SQLITE_BUSY') {
      throw new Error(`the spool ${path} is in use by another gateway process (lock ${lockPath} is held): run one process per DATA_DIR`, { cause: error });
    }
    throw error;
  }
  const held = lock;
  return { release: () => held.close() };
}

/**
 * Opens the spool's database: WAL, `synchronous=NORMAL` on disk (the group committer flushes the WAL
 * itself before any reply, see `walSync`), a WAL cut back to 64 MiB after checkpoints. Pages that
 * retention frees are kept for the next events rather than given back to the disk at once (no
 * auto-vacuum, so no pointer map rewritten in every commit; `compact.ts` gives them back). A spool
 * made with incremental auto-vacuum keeps it until compacted.
 */
export function openDatabase(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = openSqlite(path, { timeout: 5000 });
  pragma(db, 'auto_vacuum = NONE');
  pragma(db, 'journal_mode = WAL');
  pragma(db, path !== ':memory:' ? 'synchronous = NORMAL' : 'synchronous = FULL');
  pragma(db, `journal_size_limit = ${64 * 1024 * 1024}`);
  return db;
}

// The WAL flush lives in the shared storage module (the relay journal uses it too); re-exported for the spool.
export { walSync } from '../../storage/wal-sync';

/**
 * Why the spool cannot be trusted: a failed integrity check at open, a read or commit that met a
 * corrupt page, or the database or WAL file deleted or replaced while open (then the WAL is
 * checkpointed at once, so what it holds reaches the database file). Sticky.
 */
export function createDamageWatch(db: Database, path: string, verify: boolean) {
  let damage: string | undefined;
  if (verify) {
    const problems = pragmaRows(db, 'quick_check(5)') as { quick_check: string }[];
    if (problems.length !== 1 || problems[0]?.quick_check !== 'ok') {
      const lines = problems.flatMap((p) => p.quick_check.split('\n')).filter((line) => line.trim() && !line.startsWith('***'));
      damage = `quick_check: ${lines.join('; ')}`;
    }
  }
  const identity = (file: string) => {
    try {
      return statSync(file).ino;
    } catch {
      return undefined;
    }
  };
  const files = path === ':memory:' ? [] : [path, `${path}-wal`].map((file) => ({ file, ino: identity(file) }));
  return {
    note(error: unknown): void {
      const code = sqliteCode(error);
      if (damage === undefined && code !== undefined && damageCodes.test(code)) damage = `${code}: ${(error as Error).message}`;
    },
    /**
     * A flush of the WAL failed. The kernel may have dropped the pages it could not write and marked
     * them clean: a later flush that succeeds proves nothing about them, and SQLite's recovery stops at
     * the first missing frame, so commits after the hole would be lost at the next start although
     * answered as stored. Sticky, like a damaged page: new callbacks are refused until a restart
     * reopens the file and recovers what reached the disk (PostgreSQL stops for the same reason).
     */
    flushFailed(error: unknown): void {
      damage ??= `a flush of the WAL failed (${(error as Error).message}); restart the gateway`;
    },
    check(): string | undefined {
      if (damage !== undefined) return damage;
      for (const { file, ino } of files) {
        const now = identity(file);
        if (ino === undefined || now === ino) continue;
        damage = `${file} was ${now === undefined ? 'deleted' : 'replaced'} while the gateway had it open`;
        try {
          pragma(db, 'wal_checkpoint(FULL)');
        } catch {
          // Nothing more can be saved from here.
        }
      }
      return damage;
    },
  };
}
