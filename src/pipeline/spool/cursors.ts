import type { Database } from './sqlite';
import type { Event } from '../../events/event';
import { Retries, type Retry } from './retries';

export type { Retry };

/** A sink as the spool knows it: its name and its route. */
export interface SpoolSink {
  readonly name: string;
  /** Whether this sink wants the event (its route filter); applied per event as the sink reads the log. */
  readonly accepts: (event: Event) => boolean;
}

/**
 * One sink's progress, in memory. Everything up to `cursor` is settled. After it, `ahead` holds the
 * seqs that are settled out of order: delivered (true; written to disk only as the cursor passes
 * them, so a crash delivers them again) or held by an exception (false). `pending` and `dead` are
 * the counts the gauges and bounds read; `retries` the events waiting for another attempt.
 */
export interface SinkState {
  readonly name: string;
  readonly accepts: (event: Event) => boolean;
  readonly configured: boolean;
  cursor: number;
  readonly ahead: Map<number, boolean>;
  deliveredAhead: number;
  pending: number;
  dead: number;
  readonly retries: Retries;
  /** The cursor or counts changed since they were last written. */
  dirty: boolean;
  /** The pending count as this connection last read or wrote it: what it writes is the change since. */
  written: number;
  /** `done` exceptions (events delivered ahead of the cursor before an upgrade) may remain. */
  doneMarks: boolean;
}

/** Moves the cursor over the settled seqs that directly follow it. */
export function advance(state: SinkState): void {
  for (;;) {
    const next = state.ahead.get(state.cursor + 1);
    if (next === undefined) return;
    passOne(state, state.cursor + 1, next);
  }
}

/** The cursor moves to `seq` (everything between is settled or absent). */
export function passOne(state: SinkState, seq: number, delivered: boolean | undefined): void {
  if (delivered) state.deliveredAhead -= 1;
  state.ahead.delete(seq);
  state.cursor = seq;
  state.dirty = true;
}

/** Marks `seq` settled ahead of the cursor; `delivered` for a delivery, false for an exception. */
export function settle(state: SinkState, seq: number, delivered: boolean): void {
  if (seq <= state.cursor) return;
  const before = state.ahead.get(seq);
  if (before === true) state.deliveredAhead -= 1;
  state.ahead.set(seq, delivered);
  if (delivered) state.deliveredAhead += 1;
  advance(state);
}

/** Whether `seq` still waits for this sink as a fresh event (after the cursor, not settled). */
export function isFresh(state: SinkState, seq: number): boolean {
  return seq > state.cursor && !state.ahead.has(seq);
}

/**
 * Reads every sink's cursor and exceptions (not the events): time proportional to sinks and
 * exceptions. A configured sink without a cursor starts at the end of the log: it receives what is
 * appended from now on. `done` marks the cursor has passed are removed.
 */
export function loadStates(db: Database, routes: readonly { name: string; accepts: (event: Event) => boolean }[], last: number): Map<string, SinkState> {
  const states = new Map<string, SinkState>();
  const make = (name: string, cursor: number, pending: number, dirty: boolean): SinkState => {
    const route = routes.find((r) => r.name === name);
    return { name, accepts: route?.accepts ?? (() => true), configured: route !== undefined, cursor, ahead: new Map(), deliveredAhead: 0, pending, dead: 0, retries: new Retries(), dirty, doneMarks: false, written: pending };
  };
  for (const row of db.prepare('SELECT sink, acked, pending FROM cursors').all() as { sink: string; acked: number; pending: number }[]) {
    states.set(row.sink, make(row.sink, row.acked, row.pending, false));
  }
  for (const route of routes) if (!states.has(route.name)) states.set(route.name, make(route.name, last, 0, true));
  db.prepare("DELETE FROM exceptions WHERE state = 'done' AND seq <= (SELECT acked FROM cursors c WHERE c.sink = exceptions.sink)").run();
  const rows = db.prepare("SELECT sink, seq, state, max(received_at, coalesce(queued_at, 0)) AS receivedAt, attempts, next_at AS nextAt, replay FROM exceptions WHERE state != 'dead'").all() as unknown as (Retry & { sink: string; state: string; replay: number })[];
  for (const row of rows) {
    const state = states.get(row.sink) ?? make(row.sink, 0, 0, true);
    states.set(row.sink, state);
    if (row.state === 'retry') state.retries.set(row.seq, { seq: row.seq, receivedAt: row.receivedAt, attempts: row.attempts, nextAt: row.nextAt, ...(row.replay === 1 ? { replayed: true } : {}) });
    else state.doneMarks = true;
    if (row.seq > state.cursor) state.ahead.set(row.seq, false);
  }
  const dead = db.prepare("SELECT sink, count(*) AS count, group_concat(CASE WHEN seq > coalesce((SELECT acked FROM cursors c WHERE c.sink = e.sink), 0) THEN seq END) AS ahead FROM exceptions e WHERE state = 'dead' GROUP BY sink").all() as { sink: string; count: number; ahead: string | null }[];
  for (const row of dead) {
    const state = states.get(row.sink) ?? make(row.sink, last, 0, true);
    states.set(row.sink, state);
    state.dead = row.count;
    for (const seq of row.ahead?.split(',') ?? []) state.ahead.set(Number(seq), false);
  }
  for (const state of states.values()) advance(state);
  return states;
}

/** Writes the cursors and counts that changed (inside the next transaction). */
export function cursorWriter(db: Database) {
  // Another connection (an operator's command) may have written since this one read: a cursor never
  // goes back, and the count takes this connection's change, not its whole view.
  const upsert = db.prepare('INSERT INTO cursors (sink, acked, pending) VALUES (?, ?, ?) ON CONFLICT (sink) DO UPDATE SET acked = max(acked, excluded.acked), pending = pending + ?');
  const dropDone = db.prepare("DELETE FROM exceptions WHERE sink = ? AND state = 'done' AND seq <= ?");
  return function writeCursors(states: Iterable<SinkState>): void {
    for (const state of states) {
      if (!state.dirty) continue;
      // Deliveries ahead of the cursor are not on disk yet: after a crash they are pending again.
      const value = state.pending + state.deliveredAhead;
      upsert.run(state.name, state.cursor, value, value - state.written);
      state.written = value;
      if (state.doneMarks) dropDone.run(state.name, state.cursor);
      state.dirty = false;
    }
  };
}
