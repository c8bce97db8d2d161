import { arrays, blob, column, type Database } from './sqlite';
import { isFresh, settle, type SinkState, type SpoolSink } from './cursors';
import type { GroupCommitter } from './group-commit';
import type { LogReader } from './log';
import type { QuarantinedHead } from './quarantine';
import { Retries } from './retries';

/** A time range (ms) and optionally one sink; either end may be open. */
export interface Range {
  readonly since?: number;
  readonly until?: number;
  readonly sink?: string;
}

/** What a replay takes: events received in `[since, until)`, or only those at `seqs`, up to log position `upTo`. */
export interface ReplayRange {
  readonly since?: number;
  readonly until?: number;
  readonly seqs?: readonly number[];
  readonly upTo: number;
}

export interface ReplayStep {
  readonly queued: number;
  readonly matched: number;
  readonly last: number;
  readonly done: boolean;
}

/** Log positions one replay step reads at most (their seq and time of receipt; only matching events are parsed). */
const replayScan = 2000;

function where(range: Range, column: string, sinkColumn?: string) {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, param: string | number): void => {
    clauses.push(clause);
    params.push(param);
  };
  if (range.since !== undefined) add(`${column} >= ?`, range.since);
  if (range.until !== undefined) add(`${column} < ?`, range.until);
  if (range.sink !== undefined && sinkColumn) add(`${sinkColumn} = ?`, range.sink);
  return { sql: clauses.length ? `AND ${clauses.join(' AND ')}` : '', params };
}

/**
 * Operator queries and actions on the spool (statistics, dead letters, quarantine, replay, pending of
 * sinks no longer configured). Every change goes through the group committer and the sinks' state in
 * memory, so the running counts and cursors stay true.
 */
export function createSpoolAdmin(db: Database, deps: { committer: GroupCommitter; states: () => Map<string, SinkState>; reader: LogReader; routes: readonly SpoolSink[]; countEvents: () => number }) {
  const { committer, reader } = deps;
  // Queued again by an operator: the sink's wait (its age limit, the oldest pending) begins now.
  const retryRow = db.prepare(`INSERT INTO exceptions (sink, seq, state, received_at, attempts, next_at, queued_at) VALUES (?, ?, 'retry', ?, 0, ?, ?)
    ON CONFLICT (sink, seq) DO UPDATE SET state = 'retry', attempts = 0, next_at = excluded.next_at, queued_at = excluded.queued_at`);
  const replayRow = db.prepare(`INSERT INTO exceptions (sink, seq, state, received_at, attempts, next_at, replay, queued_at) VALUES (?, ?, 'retry', ?, 0, ?, 1, ?)
    ON CONFLICT (sink, seq) DO UPDATE SET state = 'retry', attempts = 0, next_at = excluded.next_at, replay = 1, queued_at = excluded.queued_at`);
  const receivedAtOf = column(db, 'SELECT received_at FROM log WHERE seq = ?');
  const isDead = column(db, "SELECT 1 FROM exceptions WHERE sink = ? AND seq = ? AND state = 'dead'");
  const stateOf = (sink: string): SinkState => {
    const state = deps.states().get(sink);
    if (state) return state;
    const made: SinkState = { name: sink, accepts: () => true, configured: false, cursor: Number.MAX_SAFE_INTEGER, ahead: new Map(), deliveredAhead: 0, pending: 0, dead: 0, retries: new Retries(), dirty: true, doneMarks: false, written: 0 };
    deps.states().set(sink, made);
    return made;
  };
  /**
   * Queues `seq` for `state` again (due `now`, attempts reset, marked as replayed so that a sink which
   * skips ids it may already hold writes it all the same) unless it is pending there already.
   */
  const requeue = (state: SinkState, seq: number, receivedAt: number, now: number): boolean => {
    if (state.retries.has(seq) || isFresh(state, seq)) return false;
    // A dead letter of this sink becomes the retry: it is counted as dead no more.
    if (isDead.get(state.name, seq) !== undefined) state.dead -= 1;
    replayRow.run(state.name, seq, receivedAt, now, now);
    state.retries.set(seq, { seq, receivedAt: Math.max(receivedAt, now), attempts: 0, nextAt: now, replayed: true });
    if (state.ahead.get(seq) === true) state.deliveredAhead -= 1;
    settle(state, seq, false);
    state.pending += 1;
    state.dirty = true;
    return true;
  };

  /** One dead letter back to its sink, due now, attempts reset (inside a committer write). */
  const redriveOne = (sink: string, seq: number, receivedAt: number, now: number): void => {
    const state = stateOf(sink);
    retryRow.run(sink, seq, receivedAt, now, now);
    state.retries.set(seq, { seq, receivedAt: Math.max(receivedAt, now), attempts: 0, nextAt: now });
    state.dead -= 1;
    state.pending += 1;
    state.dirty = true;
  };
  const dropDeadRow = db.prepare("DELETE FROM exceptions WHERE sink = ? AND seq = ? AND state = 'dead'");
  const logAfter = arrays(db, 'SELECT seq, received_at FROM log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?');

  /**
   * One step of a replay (inside a committer write): the log after position `after`, up to `upTo`, is
   * read in order, at most `replayScan` positions, and each event received in the range (and, with
   * `seqs`, only those) is queued again for each of `sinks` whose route accepts it, until `limit` events
   * matched or the step has worked `budgetMs`. Returns how many were queued and matched, the last
   * position read and whether the range is done, so a replay of millions is many short steps and one
   * of a single event reads only it.
   */
  function replayStep(range: ReplayRange, sinks: readonly SpoolSink[], now: number, after: number, limit: number, budgetMs = Infinity): ReplayStep {
    const started = performance.now();
    // Given positions: in order, each once, those still ahead (one retention removed is passed over).
    const ahead = range.seqs === undefined ? undefined : [...new Set(range.seqs)].filter((seq) => seq > after && seq <= range.upTo).sort((a, b) => a - b);
    const rows = (ahead === undefined ? logAfter.all(after, range.upTo, replayScan) : ahead.slice(0, limit).map((seq) => [seq, receivedAtOf.get(seq)])) as [number, number | undefined][];
    let queued = 0;
    let matched = 0;
    let last = after;
    for (const [seq, receivedAt] of rows) {
      if (matched >= limit || (matched > 0 && performance.now() - started >= budgetMs)) return { queued, matched, last, done: false };
      last = seq;
      if (receivedAt === undefined || (range.since !== undefined && receivedAt < range.since) || (range.until !== undefined && receivedAt >= range.until)) continue;
      const event = reader.event(seq);
      if (!event) continue;
      matched += 1;
      for (const sink of sinks) if (sink.accepts(event) && requeue(stateOf(sink.name), seq, receivedAt, now)) queued += 1;
    }
    const done = ahead === undefined ? rows.length < replayScan : ahead.length <= limit;
    return { queued, matched, last, done };
  }

  return {
    redriveOne,
    /** Forgets one dead letter (inside a committer write). */
    dropDead(sink: string, seq: number): void {
      if (dropDeadRow.run(sink, seq).changes > 0) stateOf(sink).dead -= 1;
    },

    stats() {
      return {
        events: deps.countEvents(),
        pending: [...deps.states().values()].filter((s) => s.pending > 0).sort((a, b) => a.name.localeCompare(b.name))
          .map((s) => ({ sink: s.name, pending: s.pending, oldest: reader.oldestReceivedAt(s) as number })),
        deadLetters: [...deps.states().values()].filter((s) => s.dead > 0).sort((a, b) => a.name.localeCompare(b.name)).map((s) => ({ sink: s.name, count: s.dead })),
        quarantined: column(db, 'SELECT entries FROM quarantine_size').get() as number,
      };
    },

    /** Pending counts per sink, configured or not (counts in memory). */
    pendingCounts(): { sink: string; pending: number }[] {
      return [...deps.states().values()].filter((s) => s.pending > 0).sort((a, b) => a.name.localeCompare(b.name)).map((s) => ({ sink: s.name, pending: s.pending }));
    },

    /** Forgets everything `sink` still waits for (a sink that is no longer configured). Returns how many. */
    dropPending(sink: string): Promise<number> {
      return committer.submit(() => {
        const state = deps.states().get(sink);
        if (!state) return 0;
        db.prepare("DELETE FROM exceptions WHERE sink = ? AND state != 'dead'").run(sink);
        db.prepare('DELETE FROM cursors WHERE sink = ?').run(sink);
        deps.states().delete(sink);
        return state.pending;
      });
    },

    /** Hands what `from` waits for to `to`, due now, attempts reset; an event `to` already waits for is not doubled. */
    movePending(from: string, to: string, now: number): Promise<number> {
      return committer.submit(() => {
        const source = deps.states().get(from);
        if (!source) return 0;
        const target = stateOf(to);
        const seqs = [...source.retries.keys(), ...(column(db, 'SELECT seq FROM log WHERE seq > ? ORDER BY seq').all(source.cursor) as number[]).filter((seq) => !source.ahead.has(seq))];
        let moved = 0;
        for (const seq of seqs) {
          const event = reader.event(seq);
          if (event && requeue(target, seq, receivedAtOf.get(seq) as number, now)) moved += 1;
        }
        db.prepare("DELETE FROM exceptions WHERE sink = ? AND state != 'dead'").run(from);
        db.prepare('DELETE FROM cursors WHERE sink = ?').run(from);
        deps.states().delete(from);
        return moved;
      });
    },

    /** Stored events in acceptance order, oldest first, with their raw columns. */
    events(limit = 100): { seq: number; id: string; receivedAt: number; attributes: string; data: string; message: string | null }[] {
      return db.prepare('SELECT seq, id, received_at AS receivedAt, attributes, data, message FROM log ORDER BY seq LIMIT ?').all(limit) as never;
    },

    /** A sink's exceptions in one state (retries waiting, or dead letters), oldest seq first, with the event id. */
    exceptions(state: 'retry' | 'dead', sink?: string) {
      return db.prepare(`
        SELECT d.sink, d.seq, e.id, d.received_at, d.attempts, d.next_at, d.first_error, d.last_error, d.first_failed_at, d.last_failed_at, d.dead_at
        FROM exceptions d JOIN log e ON e.seq = d.seq WHERE d.state = ? AND (? IS NULL OR d.sink = ?) ORDER BY d.seq`).all(state, sink ?? null, sink ?? null) as {
        sink: string; seq: number; id: string; received_at: number; attempts: number; next_at: number; first_error: string | null; last_error: string | null;
        first_failed_at: number | null; last_failed_at: number | null; dead_at: number | null;
      }[];
    },

    /** Quarantined requests in the order they came, with the head as stored (JSON text). */
    quarantineRows(): { qid: number; received_at: number; vendor: string; command: string | null; reason: string; detail: string; head: string; body: Buffer }[] {
      const rows = db.prepare('SELECT qid, received_at, vendor, command, reason, detail, head, body FROM quarantine ORDER BY qid').all();
      return rows.map((row) => ({ ...row, body: blob(row.body) })) as never;
    },

    deadLetters(range: Range, limit = 100) {
      const w = where(range, 'd.dead_at', 'd.sink');
      return db.prepare(`
        SELECT d.sink, d.seq, e.id, json_extract(nullif(e.attributes, ''), '$.type') AS type, d.attempts, d.first_error AS firstError,
               d.last_error AS lastError, d.received_at AS receivedAt, d.first_failed_at AS firstFailedAt, d.dead_at AS deadAt
        FROM exceptions d JOIN log e ON e.seq = d.seq WHERE d.state = 'dead' ${w.sql} ORDER BY d.dead_at, d.seq LIMIT ?`).all(...w.params, limit);
    },

    deadLetter(seq: number) {
      return db.prepare(`
        SELECT d.sink, d.seq, d.received_at, d.attempts, d.first_error, d.last_error, d.first_failed_at, d.dead_at, e.id, e.attributes, e.data
        FROM exceptions d JOIN log e ON e.seq = d.seq WHERE d.state = 'dead' AND d.seq = ?`).all(seq);
    },

    /** Moves dead letters back to their sink's pending events, due now, attempts reset. Returns how many. */
    redriveDeadLetters(range: Range, now: number): Promise<number> {
      const w = where(range, 'dead_at', 'sink');
      return committer.submit(() => {
        const rows = db.prepare(`SELECT sink, seq, received_at AS receivedAt FROM exceptions WHERE state = 'dead' ${w.sql}`).all(...w.params) as { sink: string; seq: number; receivedAt: number }[];
        for (const row of rows) redriveOne(row.sink, row.seq, row.receivedAt, now);
        return rows.length;
      });
    },

    quarantine(range: Range, limit = 100) {
      const w = where(range, 'received_at');
      return db.prepare(`SELECT qid, received_at AS receivedAt, vendor, command, reason, detail, length(body) AS bytes FROM quarantine WHERE 1 ${w.sql} ORDER BY qid LIMIT ?`).all(...w.params, limit);
    },

    quarantined(qid: number) {
      const row = db.prepare('SELECT * FROM quarantine WHERE qid = ?').get(qid) as
        | { qid: number; received_at: number; vendor: string; command: string | null; reason: string; detail: string; head: string; body: Uint8Array }
        | undefined;
      return row && { ...row, head: JSON.parse(row.head) as QuarantinedHead, body: blob(row.body) };
    },

    quarantinedIds(range: Range): number[] {
      const w = where(range, 'received_at');
      return column(db, `SELECT qid FROM quarantine WHERE 1 ${w.sql} ORDER BY qid`).all(...w.params) as number[];
    },

    updateQuarantine(qid: number, reason: string, detail: string): Promise<void> {
      return committer.submit(() => void db.prepare('UPDATE quarantine SET reason = ?, detail = ? WHERE qid = ?').run(reason, detail, qid));
    },

    removeQuarantine(qid: number): Promise<void> {
      return committer.submit(() => void db.prepare('DELETE FROM quarantine WHERE qid = ?').run(qid));
    },

    /** Queues stored events received in the range again for each sink whose route accepts them (due now), in one write. Returns how many. */
    replay(range: Range, sinks: readonly SpoolSink[], now: number): Promise<number> {
      return committer.submit(() => {
        let queued = 0;
        for (let after = 0; ;) {
          const step = replayStep({ ...range, upTo: Number.MAX_SAFE_INTEGER }, sinks, now, after, Number.MAX_SAFE_INTEGER);
          queued += step.queued;
          after = step.last;
          if (step.done) return queued;
        }
      });
    },
    replayStep,
  };
}

export type SpoolAdmin = ReturnType<typeof createSpoolAdmin>;
