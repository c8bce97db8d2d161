import type { Database } from 'better-sqlite3';
import type { EventAttributes } from '../events/event';
import type { QuarantinedHead, SpoolSink } from './spool';

/** A time range over received_at (ms); either end may be open. */
export interface Range {
  readonly since?: number;
  readonly until?: number;
  readonly sink?: string;
}

const where = (range: Range, column: string, sinkColumn?: string) => {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, param: string | number) => {
    clauses.push(clause);
    params.push(param);
  };
  if (range.since !== undefined) add(`${column} >= ?`, range.since);
  if (range.until !== undefined) add(`${column} < ?`, range.until);
  if (range.sink !== undefined && sinkColumn) add(`${sinkColumn} = ?`, range.sink);
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
};

/**
 * Operator queries on the spool database (dead letters, quarantine, replay, statistics). Safe to run
 * while the service runs: SQLite in WAL mode serialises the writers, and the dispatcher picks up
 * re-queued events at its next poll.
 */
export function spoolAdmin(db: Database) {
  return {
    stats() {
      return {
        events: db.prepare('SELECT count(*) FROM events').pluck().get() as number,
        pending: db
          .prepare('SELECT sink, pending, (SELECT received_at FROM pending p WHERE p.sink = c.sink ORDER BY seq LIMIT 1) AS oldest FROM sink_counts c WHERE pending > 0 ORDER BY sink')
          .all() as { sink: string; pending: number; oldest: number }[],
        deadLetters: db.prepare('SELECT sink, dead AS count FROM sink_counts WHERE dead > 0 ORDER BY sink').all(),
        quarantined: db.prepare('SELECT entries FROM quarantine_size').pluck().get() as number,
      };
    },

    /** Pending counts per sink, configured or not (kept counts: no scan). */
    pendingCounts(): { sink: string; pending: number }[] {
      return db.prepare('SELECT sink, pending FROM sink_counts WHERE pending > 0 ORDER BY sink').all() as { sink: string; pending: number }[];
    },

    /** Removes every pending row of `sink` (a sink that is no longer configured). Returns how many. */
    dropPending(sink: string): number {
      return db.prepare('DELETE FROM pending WHERE sink = ?').run(sink).changes;
    },

    /**
     * Hands every pending row of `from` to `to`, due now, attempts reset; an event `to` already has
     * pending is not doubled. Returns how many rows `to` received.
     */
    movePending(from: string, to: string, now: number): number {
      return db.transaction(() => {
        const moved = db
          .prepare('INSERT OR IGNORE INTO pending (sink, seq, received_at, next_at) SELECT ?, seq, received_at, ? FROM pending WHERE sink = ?')
          .run(to, now, from).changes;
        db.prepare('DELETE FROM pending WHERE sink = ?').run(from);
        return moved;
      })();
    },

    deadLetters(range: Range, limit = 100) {
      const w = where(range, 'd.dead_at', 'd.sink');
      return db
        .prepare(
          `SELECT d.sink, d.seq, e.id, json_extract(e.attributes, '$.type') AS type, d.attempts, d.first_error AS firstError,
                  d.last_error AS lastError, d.received_at AS receivedAt, d.first_failed_at AS firstFailedAt, d.dead_at AS deadAt
           FROM dead_letters d JOIN events e ON e.seq = d.seq ${w.sql} ORDER BY d.dead_at, d.seq LIMIT ?`,
        )
        .all(...w.params, limit);
    },

    deadLetter(seq: number) {
      return db
        .prepare('SELECT d.*, e.id, e.attributes, e.data FROM dead_letters d JOIN events e ON e.seq = d.seq WHERE d.seq = ?')
        .all(seq);
    },

    /** Moves dead letters back to their sink's pending set, due now, attempts reset. Returns how many. */
    redriveDeadLetters(range: Range, now: number): number {
      const w = where(range, 'dead_at', 'sink');
      return db.transaction(() => {
        const moved = db
          .prepare(
            `INSERT OR IGNORE INTO pending (sink, seq, received_at, next_at, attempts) SELECT sink, seq, received_at, ?, 0 FROM dead_letters ${w.sql}`,
          )
          .run(now, ...w.params).changes;
        db.prepare(`DELETE FROM dead_letters ${w.sql}`).run(...w.params);
        return moved;
      })();
    },

    quarantine(range: Range, limit = 100) {
      const w = where(range, 'received_at');
      return db
        .prepare(`SELECT qid, received_at AS receivedAt, vendor, command, reason, detail, length(body) AS bytes FROM quarantine ${w.sql} ORDER BY qid LIMIT ?`)
        .all(...w.params, limit);
    },

    quarantined(qid: number) {
      const row = db.prepare('SELECT * FROM quarantine WHERE qid = ?').get(qid) as
        | { qid: number; received_at: number; vendor: string; command: string | null; reason: string; detail: string; head: string; body: Buffer }
        | undefined;
      return row && { ...row, head: JSON.parse(row.head) as QuarantinedHead };
    },

    quarantinedIds(range: Range): number[] {
      const w = where(range, 'received_at');
      return db.prepare(`SELECT qid FROM quarantine ${w.sql} ORDER BY qid`).pluck().all(...w.params) as number[];
    },

    updateQuarantine(qid: number, reason: string, detail: string): void {
      db.prepare('UPDATE quarantine SET reason = ?, detail = ? WHERE qid = ?').run(reason, detail, qid);
    },

    removeQuarantine(qid: number): void {
      db.prepare('DELETE FROM quarantine WHERE qid = ?').run(qid);
    },

    /**
     * Queues stored events received in the range again for each sink whose route accepts them (due
     * now). Sinks receive the same ids again and de-duplicate where they can. Returns how many rows.
     */
    replay(range: Range, sinks: readonly SpoolSink[], now: number): number {
      const w = where(range, 'received_at');
      const rows = db.prepare(`SELECT seq, received_at AS receivedAt, attributes, data FROM events ${w.sql} ORDER BY seq`);
      const insert = db.prepare('INSERT OR IGNORE INTO pending (sink, seq, received_at, next_at) VALUES (?, ?, ?, ?)');
      return db.transaction(() => {
        let queued = 0;
        for (const row of rows.all(...w.params) as { seq: number; receivedAt: number; attributes: string; data: string }[]) {
          const event = { attributes: JSON.parse(row.attributes) as EventAttributes, data: row.data };
          for (const sink of sinks) if (sink.accepts(event)) queued += insert.run(sink.name, row.seq, row.receivedAt, now).changes;
        }
        return queued;
      })();
    },
  };
}
