import { arrays, column, type Database } from './sqlite';
import { storedEvent, type Event, type EventAttributes, type EventOrigin } from '../../events/event';
import type { RecentEvents } from './recent';
import { isFresh, settle, passOne, type SinkState } from './cursors';
import type { GroupCommitter } from './group-commit';
import { runsOf } from './runs';

/** One event waiting for one sink. */
export interface SpooledEvent {
  readonly seq: number;
  readonly attempts: number;
  readonly receivedAt: number;
  readonly event: Event;
}

type Row = [seq: number, receivedAt: number, attributes: string, data: string, message: string | null, head: string | null, id: string];

/** The columns of a log row that make its event, in `Row`'s order. */
export const rowColumns = 'seq, received_at, attributes, data, message, head, id';

/**
 * Makes an event again from what its log row kept of it (`EventOrigin` in `head`, the body in `data`,
 * the receive time): the vendor's mapping, run again. Undefined when it cannot (the vendor is not
 * configured here, or its mapping no longer makes an event of the body).
 */
export type Derive = (origin: EventOrigin, data: string, receivedAt: number) => Event | undefined;

/** The gateway could not make a stored event again (see `createEventDecoder`): its CloudEvents `type`. */
export const underivableType = 'im.gateway.underivable';

/**
 * Makes the event of a log row: the newest ones from memory (`recent`), a row with attributes from
 * them (its CloudEvent text reuses the stored JSON), a row that kept only what the event was made from
 * by running the vendor's mapping again (`derive`), its id as stored. When the mapping cannot make it
 * (the vendor is no longer configured, or no longer maps the body), the event keeps its id, body and
 * receive time under the type `im.gateway.underivable` and `onUnderivable` is told, so it is delivered
 * and can be found rather than stuck.
 */
export function createEventDecoder(options: { derive?: Derive; recent?: RecentEvents; onUnderivable?: (seq: number, vendor: string) => void } = {}) {
  return function decode(row: Row): Event {
    const known = options.recent?.get(row[0]);
    if (known !== undefined) return known;
    const head = row[5];
    if (head === null || row[2] !== '') {
      const attributes = JSON.parse(row[2]) as EventAttributes;
      return storedEvent(row[4] === null ? { attributes, data: row[3] } : { attributes, data: row[3], message: row[4] }, row[2]);
    }
    const origin = JSON.parse(head) as EventOrigin;
    const made = options.derive?.(origin, row[3], row[1]);
    if (made !== undefined) return made.attributes.id === row[6] ? made : { ...made, attributes: { ...made.attributes, id: row[6] } };
    options.onUnderivable?.(row[0], origin.vendor);
    const attributes: EventAttributes = {
      specversion: '1.0',
      id: row[6],
      source: `im-gateway/${origin.vendor}`,
      type: underivableType,
      time: new Date(row[1]).toISOString(),
      datacontenttype: 'application/json',
      vendor: origin.vendor,
      ...origin.added,
    };
    return { attributes, data: row[3] };
  };
}

export type EventDecoder = ReturnType<typeof createEventDecoder>;

/** The most rows read after a cursor per query while looking for due events. */
const readAhead = 256;

/** The fewest: a sink whose route takes few events reads past the others in reads of this many. */
const minReadAhead = 32;

/**
 * Reading the log for a sink: its retries and the events after its cursor, merged in seq order, with
 * the route applied per event. Events the sink's route does not want are passed by the cursor as
 * they are read.
 */
export function createLogReader(db: Database, toEvent: EventDecoder = createEventDecoder(), recent?: RecentEvents) {
  const keysAfter = arrays(db, 'SELECT seq, received_at FROM log WHERE seq > ? ORDER BY seq LIMIT ?');
  const one = arrays(db, `SELECT ${rowColumns} FROM log WHERE seq = ?`);
  const range = arrays(db, `SELECT ${rowColumns} FROM log WHERE seq BETWEEN ? AND ? ORDER BY seq`);
  const firstAfter = column(db, 'SELECT received_at FROM log WHERE seq > ? ORDER BY seq LIMIT 1');

  /**
   * Up to `limit` fresh events of `state` (after the cursor, not settled, wanted by its route). The
   * log is read for the seqs after the cursor first; the rows themselves (the body, the attributes)
   * only for events not in memory: a sink that keeps up takes the newest events from there, and their
   * rows are not read again.
   */
  function fresh(state: SinkState, limit: number): SpooledEvent[] {
    const found: SpooledEvent[] = [];
    let from = state.cursor;
    let prefix = true;
    while (found.length < limit) {
      // As many as are still wanted (at least a few, for a route that passes most of them by).
      const asked = Math.min(readAhead, Math.max(limit - found.length, minReadAhead));
      const keys = keysAfter.all(from, asked) as unknown as [seq: number, receivedAt: number][];
      const unknown = keys.filter(([seq]) => !state.ahead.has(seq) && recent?.get(seq) === undefined).map(([seq]) => seq);
      const rows = unknown.length > 0 ? rowsOf(unknown) : undefined;
      for (const [seq, receivedAt] of keys) {
        from = seq;
        const settled = state.ahead.get(seq);
        if (settled !== undefined || found.length >= limit) {
          if (prefix && settled !== undefined) passOne(state, seq, settled);
          continue;
        }
        const row = rows?.get(seq);
        const event = row === undefined ? recent?.get(seq) : toEvent(row);
        // Neither in memory nor in the log any more: removed since the seqs were read (not by this turn).
        if (event === undefined) continue;
        if (!state.accepts(event)) {
          if (prefix) passOne(state, seq, undefined);
          else state.ahead.set(seq, false);
          // Counted when it was appended, under a route that took it (one changed since, at a restart).
          if (state.pending > state.retries.size) {
            state.pending -= 1;
            state.dirty = true;
          }
          continue;
        }
        prefix = false;
        found.push({ seq, attempts: 0, receivedAt, event });
      }
      if (keys.length < asked) {
        // The whole log after the cursor was read: the count cannot say more than is there.
        if (found.length === 0 && state.pending > state.retries.size) {
          state.pending = state.retries.size;
          state.dirty = true;
        }
        break;
      }
    }
    return found;
  }

  /** The log rows of `seqs` (ascending) by seq: one read per run of consecutive seqs. */
  function rowsOf(seqs: readonly number[]): Map<number, Row> {
    const rows = new Map<number, Row>();
    for (const [first, last] of runsOf(seqs)) {
      for (const row of (first === last ? [one.get(first)] : range.all(first, last)) as unknown as (Row | undefined)[]) if (row) rows.set(row[0], row);
    }
    return rows;
  }

  /** The sink's `limit` retries of lowest seq, with their events: one pass over the retries, one read per run of seqs. */
  function retried(state: SinkState, limit: number): (SpooledEvent & { nextAt: number })[] {
    const lowest = state.retries.lowest(limit);
    const rows = rowsOf(lowest.map((retry) => retry.seq));
    return lowest.flatMap((retry) => {
      const row = rows.get(retry.seq);
      if (!row) return [];
      const event = toEvent(row);
      return [{ seq: retry.seq, attempts: retry.attempts, receivedAt: retry.receivedAt, event: retry.replayed ? { ...event, replayed: true as const } : event, nextAt: retry.nextAt }];
    });
  }

  return {
    /**
     * Up to `limit` of the oldest events pending for the sink, in seq order, stopping at the first one
     * not yet due: a sink receives events in order, and a retried event holds back the later ones.
     */
    due(state: SinkState, now: number, limit: number): SpooledEvent[] {
      const waiting = retried(state, limit);
      // Fresh events all lie after the cursor: when `limit` retries at or before it are waiting (a
      // redrive's backlog), none of them could be taken, so they are not read and parsed in vain.
      const full = waiting.length >= limit && (waiting[waiting.length - 1] as { seq: number }).seq <= state.cursor;
      const newer = full ? [] : fresh(state, limit);
      const merged = [...waiting, ...newer].sort((a, b) => a.seq - b.seq);
      const stop = merged.findIndex((item) => 'nextAt' in item && (item as { nextAt: number }).nextAt > now);
      return (stop === -1 ? merged : merged.slice(0, stop)).slice(0, limit).map(({ seq, attempts, receivedAt, event }) => ({ seq, attempts, receivedAt, event }));
    },

    /**
     * The sink is writing these events now: the memory of the newest events lets go of the fresh ones
     * once each of their sinks has written them. Not at a read: a lane reads the due events again while
     * it waits for a batch to fill, and a read that let go of them made every event it read twice from
     * the log (at a steady 1,900 callbacks/s, half of them).
     */
    writing(state: SinkState, seqs: readonly number[]): void {
      if (recent === undefined) return;
      for (const seq of seqs) if (isFresh(state, seq)) recent.taken(seq);
    },

    /** When the sink's oldest pending event becomes due, or undefined when nothing is pending. */
    nextDueAt(state: SinkState): number | undefined {
      const first = state.retries.first();
      const next = state.pending > state.retries.size ? fresh(state, 1)[0] : undefined;
      if (first === undefined) return next?.receivedAt;
      return next !== undefined && next.seq < first.seq ? next.receivedAt : first.nextAt;
    },

    /** When the sink's oldest pending event was received. */
    oldestReceivedAt(state: SinkState): number | undefined {
      const fresh = state.pending > state.retries.size ? (firstAfter.get(state.cursor) as number | undefined) : undefined;
      const retried = state.retries.oldestReceivedAt();
      return fresh === undefined || retried === undefined ? (fresh ?? retried) : Math.min(fresh, retried);
    },

    event(seq: number): Event | undefined {
      const row = one.get(seq) as Row | undefined;
      return row && toEvent(row);
    },

    /** The stored event at `seq` with its receive time, as the admin surface shows it. */
    stored(seq: number): { seq: number; receivedAt: number; event: Event } | undefined {
      const row = one.get(seq) as Row | undefined;
      return row && { seq, receivedAt: row[1], event: toEvent(row) };
    },
  };
}

export type LogReader = ReturnType<typeof createLogReader>;

/** Whether `seq` is pending for the sink (a retry, or fresh after the cursor). */
export function isPending(state: SinkState, seq: number): boolean {
  return state.retries.has(seq) || isFresh(state, seq);
}

export { settle };
export type { GroupCommitter };
