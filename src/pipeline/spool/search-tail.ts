import { arrays, column, type Database } from './sqlite';
import { rowColumns, type EventDecoder } from './log';
import type { EventAttributes } from '../../events/event';
import type { EventFilter } from '../admin-store';

/** Attributes kept per event for search, each a column of `search` (exact match). */
export const searchColumns = ['vendor', 'command', 'appid', 'fromaccount', 'toaccount', 'groupid', 'messageid'] as const;

/** Rows the tail holds before they are written: about two pages of `search`. */
export const defaultSearchFlushRows = 64;

/** One event's row of `search`, as the tail holds it. */
export interface SearchRow {
  readonly seq: number;
  readonly id: string;
  readonly received_at: number;
  readonly [column: string]: string | number | null;
}

const text = (value: unknown): string | null => (value === undefined || value === null ? null : String(value));

/** Filter fields and the column each matches. */
export const columnOf = { vendor: 'vendor', command: 'command', app: 'appid', sender: 'fromaccount', recipient: 'toaccount', group: 'groupid', messageId: 'messageid', id: 'id' } as const;

/** Whether a row passes the filter: the same test as the SQL the search table is queried with. */
export function matches(filter: EventFilter, row: SearchRow): boolean {
  for (const [key, column] of Object.entries(columnOf)) {
    const value = filter[key as keyof typeof columnOf];
    if (value !== undefined && row[column] !== value) return false;
  }
  if (filter.conversation !== undefined && ![row.fromaccount, row.toaccount, row.groupid].includes(filter.conversation)) return false;
  if (filter.since !== undefined && row.received_at < filter.since) return false;
  return filter.until === undefined || row.received_at < filter.until;
}

/**
 * The newest events' search rows, in memory until `flushRows` of them are written together by an
 * append's transaction: a commit of a few events does not rewrite the search table's last page.
 * The log is the truth: after a crash or a rolled-back commit the tail is read again from the log
 * rows after the table's last seq, so no event goes unsearchable.
 */
export function createSearchTail(db: Database, decode: EventDecoder, flushRows = defaultSearchFlushRows) {
  // A row whose event was removed meanwhile is not written; one another connection wrote is kept.
  const insert = db.prepare(`INSERT OR IGNORE INTO search (seq, id, received_at, ${searchColumns.join(', ')})
    SELECT ?, ?, ?, ${searchColumns.map(() => '?').join(', ')} WHERE EXISTS (SELECT 1 FROM log WHERE seq = ?)`);
  const lastIndexed = column(db, 'SELECT coalesce(max(seq), 0) FROM search');
  const unindexed = arrays(db, `SELECT ${rowColumns} FROM log WHERE seq > ? ORDER BY seq`);
  let rows: SearchRow[] = [];

  // Every appended event makes one row: filled in place, not through an array of entries and a copy.
  const rowOf = (seq: number, receivedAt: number, attributes: EventAttributes): SearchRow => {
    const row: Record<string, string | number | null> = { seq, id: attributes.id, received_at: receivedAt };
    for (const c of searchColumns) row[c] = text(attributes[c]);
    return row as SearchRow;
  };
  const values: (string | number | null)[] = [];

  function flush(): void {
    for (const row of rows) {
      values.length = 0;
      values.push(row.seq, row.id, row.received_at);
      for (const c of searchColumns) values.push(row[c] ?? null);
      values.push(row.seq);
      insert.run(...values);
    }
    rows = [];
  }

  return {
    /** The event's row (inside the append's transaction); writes the tail when it is full. */
    add(seq: number, receivedAt: number, attributes: EventAttributes): void {
      rows.push(rowOf(seq, receivedAt, attributes));
      if (rows.length >= flushRows) flush();
    },
    /** Writes what the tail holds (inside a transaction). */
    flush,
    /** Rows not yet written, oldest first; their seqs are above every row of the table. */
    rows: (): readonly SearchRow[] => rows,
    /** The tail from the log: events after the table's last row (at open, after a rollback). */
    reload(): void {
      const read = unindexed.all(lastIndexed.get() as number) as unknown as Parameters<EventDecoder>[0][];
      rows = read.map((row) => rowOf(row[0], row[1], decode(row).attributes));
    },
  };
}

export type SearchTail = ReturnType<typeof createSearchTail>;
