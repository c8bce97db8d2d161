import type { Database } from 'better-sqlite3';
import type { EventAttributes } from '../../events/event';
import type { EventFilter } from '../admin-store';

/** Log rows examined per search call by default: a few milliseconds of the event loop. */
export const defaultSearchBudget = 50_000;

/** Events indexed per transaction when an older spool is upgraded: a kill loses at most one chunk. */
const chunk = 20_000;

/** Attributes kept per event for search, each a column of `search` (exact match). */
const columns = ['vendor', 'command', 'appid', 'fromaccount', 'toaccount', 'groupid', 'messageid'] as const;

/**
 * `search` holds, under the log's own seq, the few attributes the admin search filters on, the event
 * id and the receipt time. Its key is the log's, so an append lands on the last page of its b-tree
 * like the log's row (no random page per event); deleting a log row deletes its search row.
 */
const searchTable = `
  CREATE TABLE IF NOT EXISTS search (
    seq         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    ${columns.map((c) => `${c} TEXT`).join(',\n    ')}
  );
  CREATE TRIGGER IF NOT EXISTS search_forgotten AFTER DELETE ON log BEGIN
    DELETE FROM search WHERE seq = OLD.seq;
  END;`;

/**
 * Schema 4 to 5: the search table, filled from the log in chunks (each its own transaction, resumed
 * from the last indexed seq after a crash); the version changes in the last transaction.
 */
export function toSearch(db: Database, version: number): void {
  db.exec(searchTable);
  const fill = db.prepare(`
    INSERT INTO search (seq, id, received_at, ${columns.join(', ')})
    SELECT seq, id, received_at, ${columns.map((c) => `json_extract(attributes, '$.${c}')`).join(', ')} FROM log
    WHERE seq > coalesce((SELECT max(seq) FROM search), 0) ORDER BY seq LIMIT ${chunk}`);
  while (fill.run().changes === chunk);
  db.pragma(`user_version = ${version}`);
}

const text = (value: unknown): string | null => (value === undefined || value === null ? null : String(value));

/** The statement an append runs beside its log row (in the same transaction). */
export function searchWriter(db: Database): (seq: number, receivedAt: number, attributes: EventAttributes) => void {
  const insert = db.prepare(`INSERT INTO search (seq, id, received_at, ${columns.join(', ')}) VALUES (?, ?, ?, ${columns.map(() => '?').join(', ')})`);
  return (seq, receivedAt, attributes) => void insert.run(seq, attributes.id, receivedAt, ...columns.map((c) => text(attributes[c])));
}

/** Filter fields and the column each matches. */
const columnOf = { vendor: 'vendor', command: 'command', app: 'appid', sender: 'fromaccount', recipient: 'toaccount', group: 'groupid', messageId: 'messageid', id: 'id' } as const;

function where(filter: EventFilter): { sql: string; params: (string | number)[] } {
  const sql: string[] = [];
  const params: (string | number)[] = [];
  for (const [key, column] of Object.entries(columnOf)) {
    const value = filter[key as keyof typeof columnOf];
    if (value !== undefined) {
      sql.push(`${column} = ?`);
      params.push(value);
    }
  }
  if (filter.conversation !== undefined) {
    sql.push('? IN (fromaccount, toaccount, groupid)');
    params.push(filter.conversation);
  }
  if (filter.since !== undefined) {
    sql.push('received_at >= ?');
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    sql.push('received_at < ?');
    params.push(filter.until);
  }
  return { sql: sql.map((s) => ` AND ${s}`).join(''), params };
}

/** What one bounded search call found: matching seqs newest first, and where to continue (exclusive), if anywhere. */
export interface SearchStep {
  readonly seqs: readonly number[];
  readonly before?: number;
}

/**
 * Searching the log newest first through `search`. Each call examines at most `budget` seqs (a range
 * of the key, so at most that many rows), which bounds the time it holds the event loop: a call that
 * runs out of budget returns what it found with the seq to continue below.
 */
export function createSearch(db: Database, budget: number) {
  // Two statements: SQLite answers min() or max() alone from the end of the b-tree, both together by a scan.
  const firstSeq = db.prepare('SELECT min(seq) FROM search').pluck();
  const lastSeq = db.prepare('SELECT max(seq) FROM search').pluck();
  return {
    /** Up to `limit` matching seqs below `before` (the newest when absent). */
    find(filter: EventFilter, limit: number, before?: number): SearchStep {
      const first = firstSeq.get() as number | null;
      const last = lastSeq.get() as number | null;
      if (first === null || last === null) return { seqs: [] };
      const top = Math.min(before ?? last + 1, last + 1);
      const bottom = Math.max(top - budget, first);
      const w = where(filter);
      const seqs = db.prepare(`SELECT seq FROM search WHERE seq < ? AND seq >= ?${w.sql} ORDER BY seq DESC LIMIT ?`).pluck()
        .all(top, bottom, ...w.params, limit + 1) as number[];
      if (seqs.length > limit) return { seqs: seqs.slice(0, limit), before: seqs[limit - 1] as number };
      return bottom > first ? { seqs, before: bottom } : { seqs };
    },

    /** The newest event with this id among the newest `budget` seqs below `before`. */
    seqOfId(id: string, before?: number): number | undefined {
      const step = this.find({ id }, 1, before);
      return step.seqs[0];
    },
  };
}

export type Search = ReturnType<typeof createSearch>;
