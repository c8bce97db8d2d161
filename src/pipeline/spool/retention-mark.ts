import { column, type Database } from './sqlite';

/**
 * Where retention's walk of the log may start: below the mark, every event still stored was held by
 * an exception (a retry or a dead letter) when a pass looked at it, so a pass with nothing new to
 * remove does not walk a million dead letters again.
 *
 * A held event becomes removable only when its exception is released: deleted (delivered after a
 * retry, a dead letter dropped, a removed sink's rows dropped) or marked `done`. Temporary triggers
 * (this connection only; nothing is added to the file's schema) note the lowest seq released, and the
 * next pass starts there. A commit by another connection (an operator's command beside the service)
 * is not seen by them, so when `PRAGMA data_version` says one happened the walk starts at the front.
 */
export function createRetentionMark(db: Database) {
  db.exec(`
    CREATE TEMP TABLE IF NOT EXISTS retention_released (seq INTEGER);
    INSERT INTO retention_released (seq) SELECT NULL WHERE NOT EXISTS (SELECT 1 FROM retention_released);
    CREATE TEMP TRIGGER IF NOT EXISTS retention_released_on_delete AFTER DELETE ON main.exceptions
      WHEN OLD.state != 'done'
      BEGIN UPDATE retention_released SET seq = min(coalesce(seq, OLD.seq), OLD.seq); END;
    CREATE TEMP TRIGGER IF NOT EXISTS retention_released_on_done AFTER UPDATE OF state ON main.exceptions
      WHEN NEW.state = 'done' AND OLD.state != 'done'
      BEGIN UPDATE retention_released SET seq = min(coalesce(seq, OLD.seq), OLD.seq); END;
  `);
  const released = column(db, 'SELECT seq FROM retention_released');
  const clear = db.prepare('UPDATE retention_released SET seq = NULL');
  const dataVersion = column(db, 'PRAGMA data_version');
  let seenVersion = dataVersion.get() as number;
  let mark = 0;

  return {
    /**
     * Where the next walk starts: the mark, lowered to the lowest seq released since the last call, or
     * 0 after another connection's commit. Call it inside a transaction, so a rollback keeps the note.
     */
    start(): number {
      const version = dataVersion.get() as number;
      if (version !== seenVersion) {
        seenVersion = version;
        mark = 0;
      }
      const lowest = released.get() as number | null;
      if (lowest !== null) {
        mark = Math.min(mark, lowest);
        clear.run();
      }
      return mark;
    },

    /** Every event below `seq` still stored is held (a walk examined the seqs up to it without a gap). */
    advance(seq: number): void {
      mark = seq;
    },
  };
}
