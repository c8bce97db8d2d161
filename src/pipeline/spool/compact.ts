import { existsSync, statSync } from 'node:fs';
import { openDatabase } from './database';
import { type Database, pragma } from './sqlite';

/** How a spool's file is used: its size on disk and the pages in it free for reuse. */
export interface SpoolFileUse {
  /** The database file and its WAL, in bytes. */
  readonly fileBytes: number;
  /** Pages freed by retention (or a drop) and not reused yet: what compaction gives back. */
  readonly freeBytes: number;
}

const sizeOf = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

function useOf(db: Database, path: string): SpoolFileUse {
  const pageSize = pragma(db, 'page_size') as number;
  return { fileBytes: sizeOf(path) + sizeOf(`${path}-wal`), freeBytes: (pragma(db, 'freelist_count') as number) * pageSize };
}

/**
 * The spool file of a gateway that is not running (the caller holds the spool's lock): how it is
 * used, and its compaction.
 *
 * A spool does not shrink as retention removes events: their pages go to the file's free list and the
 * next events reuse them, so the file keeps the size of its largest backlog. Giving those pages back
 * after every removal (SQLite's incremental auto-vacuum) costs a pointer-map page in every commit,
 * about a tenth of what each callback writes (bench/README, "Bytes written per callback"). Compaction
 * is SQLite's `VACUUM`: the live pages rewritten into a new file (a temporary copy in TMPDIR, then
 * through the WAL), and the WAL truncated. It needs free disk space of about twice the live data and
 * holds the database for its whole run, hence only while the gateway is stopped. A spool made before
 * pages were kept (incremental auto-vacuum) is rewritten without its pointer map.
 */
export function spoolFile(path: string) {
  const withDatabase = <T>(work: (db: Database) => T): T => {
    const db = openDatabase(path);
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    path,
    use: (): SpoolFileUse => withDatabase((db) => useOf(db, path)),
    /** Rewrites the file without its free pages; returns how it was used before and after. */
    compact: (): { before: SpoolFileUse; after: SpoolFileUse } =>
      withDatabase((db) => {
        const before = useOf(db, path);
        // `openDatabase` asked for no auto-vacuum; an older spool's file takes that setting here.
        db.exec('VACUUM');
        pragma(db, 'wal_checkpoint(TRUNCATE)');
        return { before, after: useOf(db, path) };
      }),
  };
}

export type SpoolFile = ReturnType<typeof spoolFile>;
