import type { Event, EventOrigin } from '../../events/event';
import { settle, type SinkState } from './cursors';
import type { RecentEvents } from './recent';
import type { SearchTail } from './search-tail';
import { type Database, pragma, pragmaRows, transaction } from './sqlite';

/** Schema 10 to 11: `log.head`, what an event was made from, kept instead of its attributes and message. */
export function toOrigins(db: Database, version: number): void {
  transaction(db, () => {
    // Idempotent, like every step of the upgrade: a version number set back finds the column there.
    if (!pragmaRows(db, 'table_info(log)').some((column) => column.name === 'head')) db.exec('ALTER TABLE log ADD COLUMN head TEXT');
    pragma(db, `user_version = ${version}`);
  }, 'immediate')();
}

/**
 * The form an event is stored in: its attributes as JSON and its neutral message, or, given what a
 * vendor's mapping made it from (when the spool can run the mapping again: `Derive` in `log.ts`), only
 * that (`head`; `attributes` empty, `message` NULL). The body is `data` either way. The second form
 * is about a third of the bytes: the attributes and the message repeat what the body says.
 */
export function storedForm(event: Event, origin: EventOrigin | undefined): { attributes: string; message: string | null; head: string | null } {
  if (origin !== undefined) return { attributes: '', message: null, head: JSON.stringify(origin) };
  return { attributes: JSON.stringify(event.attributes), message: event.message ?? null, head: null };
}

/**
 * Writes one accepted event at the end of the log, inside a write of the group committer: its row, its
 * search row (through the search tail, so rows land on the search table's last page), each configured
 * sink's count (pending for a sink whose route takes it, settled at once for one whose route does
 * not) and the event in memory for the sinks that take it (`recent.ts`). Shared by the single append
 * and the batch append, so both make the same event. A batch inserts all its rows before it accounts
 * for any, so a row that fails leaves memory unchanged.
 */
export function createLogRowWriter(db: Database, deps: { states: () => Map<string, SinkState>; searchTail: SearchTail; recent: RecentEvents }) {
  const insert = db.prepare('INSERT INTO log (seq, id, received_at, attributes, data, message, head) VALUES (?, ?, ?, ?, ?, ?, ?)');
  return {
    /** The row alone: the statement that can fail (a full disk), before anything in memory changes. */
    insertRow(seq: number, id: string, at: number, form: { attributes: string; message: string | null; head: string | null }, event: Event): void {
      insert.run(seq, id, at, form.attributes, event.data, form.message, form.head);
    },
    /** The search row and the sinks' counts of a row inserted in the same write. */
    account(seq: number, at: number, event: Event): void {
      deps.searchTail.add(seq, at, event.attributes);
      let readers = 0;
      for (const sink of deps.states().values()) {
        if (!sink.configured) continue;
        if (sink.accepts(event)) {
          sink.pending += 1;
          sink.dirty = true;
          readers += 1;
        } else settle(sink, seq, false);
      }
      // Readable by the lanes as soon as the transaction commits, before its flush resolves the write.
      deps.recent.add(seq, event, readers);
    },
  };
}
