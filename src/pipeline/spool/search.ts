import { column, type Database, pragma } from './sqlite';
import type { EventFilter } from '../admin-store';
import { columnOf, matches, searchColumns as columns, type SearchTail } from './search-tail';

/** Log rows examined per search call by default: a few milliseconds of the event loop. */
export const defaultSearchBudget = 25_000;

/** Events indexed per transaction when an older spool is upgraded: a kill loses at most one chunk. */
const chunk = 20_000;

/**
 * `search` holds, under the log's own seq, the few attributes the admin search filters on, the event
 * id and the receipt time. Its key is the log's, so rows land on the last page of its b-tree like
 * the log's (no random page per event); they are written in groups (`search-tail.ts`); deleting a
 * log row deletes its search row.
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
 * from the last indexed seq after a crash); the version changes last.
 */
export function toSearch(db: Database, version: number): void {
  db.exec(searchTable);
  const fill = db.prepare(`
    INSERT INTO search (seq, id, received_at, ${columns.join(', ')})
    SELECT seq, id, received_at, ${columns.map((c) => `json_extract(attributes, '$.${c}')`).join(', ')} FROM log
    WHERE seq > coalesce((SELECT max(seq) FROM search), 0) ORDER BY seq LIMIT ${chunk}`);
  while (fill.run().changes === chunk);
  pragma(db, `user_version = ${version}`);
}

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
 * Searching the log newest first through `search` and the tail not yet written to it. Each call
 * examines at most `budget` seqs (a range of the key, so at most that many rows), which bounds the
 * time it holds the event loop: a call that runs out of budget returns what it found with the seq to
 * continue below.
 */
export function createSearch(db: Database, budget: number, tail: SearchTail) {
  // Two statements: SQLite answers min() or max() alone from the end of the b-tree, both together by a scan.
  const firstSeq = column(db, 'SELECT min(seq) FROM search');
  const lastSeq = column(db, 'SELECT max(seq) FROM search');
  return {
    /** Up to `limit` matching seqs below `before` (the newest when absent). */
    find(filter: EventFilter, limit: number, before?: number): SearchStep {
      const recent = tail.rows();
      const first = (firstSeq.get() as number | null) ?? recent[0]?.seq;
      const last = recent.at(-1)?.seq ?? (lastSeq.get() as number | null);
      if (first === undefined || last === null || last === undefined) return { seqs: [] };
      const top = Math.min(before ?? last + 1, last + 1);
      const bottom = Math.max(top - budget, first);
      const seqs = recent.filter((row) => row.seq < top && row.seq >= bottom && matches(filter, row)).map((row) => row.seq).reverse();
      if (seqs.length <= limit) {
        const w = where(filter);
        seqs.push(...(column(db, `SELECT seq FROM search WHERE seq < ? AND seq >= ?${w.sql} ORDER BY seq DESC LIMIT ?`)
          .all(top, bottom, ...w.params, limit + 1 - seqs.length) as number[]));
      }
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
