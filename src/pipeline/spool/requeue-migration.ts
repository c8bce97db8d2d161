import { pragma, pragmaRows, transaction, type Database } from './sqlite';

/**
 * Adds `exceptions.queued_at`: when an operator queued the event for the sink again (a redrive, a
 * replay, a move of pending events), or NULL. A sink's wait for an event begins there rather than at its
 * receipt, so a dead letter redriven days later gets the sink's whole retry policy (`maxAgeMs`
 * included) and does not count as the oldest pending event.
 */
export function toRequeueTimes(db: Database, version: number): void {
  transaction(db, () => {
    const columns = pragmaRows(db, 'table_info(exceptions)') as { name: string }[];
    if (!columns.some((c) => c.name === 'queued_at')) db.exec('ALTER TABLE exceptions ADD COLUMN queued_at INTEGER');
    pragma(db, `user_version = ${version}`);
  }, 'immediate')();
}
