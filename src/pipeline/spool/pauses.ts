import { type Database, pragma, transaction } from './sqlite';
import type { GroupCommitter } from './group-commit';

/** A sink an operator paused: deliveries to it are held back, across restarts, until it is resumed. */
export interface PausedSink {
  readonly sink: string;
  /** When it was paused (ms since the epoch). */
  readonly at: number;
  /** Who paused it (the token's name). */
  readonly actor: string;
}

const pausesTable = `
  CREATE TABLE IF NOT EXISTS paused_sinks (
    sink  TEXT    PRIMARY KEY,
    at    INTEGER NOT NULL,
    actor TEXT    NOT NULL
  ) WITHOUT ROWID;`;

/** Schema 5 to 6: the sinks an operator paused, kept so that a restart does not resume them. */
export function toPauses(db: Database, version: number): void {
  transaction(db, () => {
    db.exec(pausesTable);
    pragma(db, `user_version = ${version}`);
  }, 'immediate')();
}

/** The paused sinks on disk; changes go through the group committer like every other spool write. */
export function createPauses(db: Database, committer: GroupCommitter) {
  const list = db.prepare('SELECT sink, at, actor FROM paused_sinks ORDER BY sink');
  const add = db.prepare('INSERT INTO paused_sinks (sink, at, actor) VALUES (?, ?, ?) ON CONFLICT (sink) DO NOTHING');
  const remove = db.prepare('DELETE FROM paused_sinks WHERE sink = ?');
  return {
    /** Every paused sink name on disk, configured here or not, by name. */
    pausedSinks: (): PausedSink[] => list.all() as unknown as PausedSink[],
    /** Marks `sink` paused (`by` who and when) or resumed (undefined); resolves once committed. */
    setPaused(sink: string, by: { readonly at: number; readonly actor: string } | undefined): Promise<void> {
      return committer.submit(() => void (by ? add.run(sink, by.at, by.actor) : remove.run(sink)));
    },
  };
}
