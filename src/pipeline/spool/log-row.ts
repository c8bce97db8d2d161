import type { Event } from '../../events/event';
import { settle, type SinkState } from './cursors';
import type { SearchTail } from './search-tail';
import type { Database } from './sqlite';

/**
 * Writes one accepted event at the end of the log, inside a write of the group committer: its row, its
 * search row (through the search tail, so rows land on the search table's last page), and each
 * configured sink's count: pending for a sink whose route takes it, settled at once for one whose
 * route does not. Shared by the single append and the batch append, so both make the same event. A
 * batch inserts all its rows before it accounts for any, so a row that fails leaves memory unchanged.
 */
export function createLogRowWriter(db: Database, deps: { states: () => Map<string, SinkState>; searchTail: SearchTail }) {
  const insert = db.prepare('INSERT INTO log (seq, id, received_at, attributes, data, message) VALUES (?, ?, ?, ?, ?, ?)');
  return {
    /** The row alone: the statement that can fail (a full disk), before anything in memory changes. */
    insertRow(seq: number, id: string, at: number, attributes: string, event: Event): void {
      insert.run(seq, id, at, attributes, event.data, event.message ?? null);
    },
    /** The search row and the sinks' counts of a row inserted in the same write. */
    account(seq: number, at: number, event: Event): void {
      deps.searchTail.add(seq, at, event.attributes);
      for (const sink of deps.states().values()) {
        if (!sink.configured) continue;
        if (sink.accepts(event)) {
          sink.pending += 1;
          sink.dirty = true;
        } else settle(sink, seq, false);
      }
    },
  };
}
