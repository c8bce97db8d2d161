import { column, type Database } from './sqlite';
import type { Event, EventOrigin } from '../../events/event';
import { isFresh, settle, type SinkState } from './cursors';
import type { Dedupe } from './dedupe';
import { SpoolClosedError, type GroupCommitter } from './group-commit';
import type { LogReader } from './log';
import type { SearchTail } from './search-tail';
import { createLogRowWriter, storedForm } from './log-row';
import type { RecentEvents } from './recent';
import { runsOf } from './runs';

/**
 * The writes of the log with cursors, each through the group committer: an append is one row at the
 * end of `log` (its search row joins the search tail); a delivery changes only memory (the cursor is written
 * by the next commit); a failed attempt or a dead letter is one row of `exceptions`. In-memory state
 * changed by a write that is rolled back is reloaded by the spool (`onRollback`).
 */
export function createOutbox(db: Database, deps: { committer: GroupCommitter; states: () => Map<string, SinkState>; dedupe: Dedupe; reader: LogReader; searchTail: SearchTail; lastSeq: { value: number }; stored: { value: number }; recent: RecentEvents; derivable: boolean }) {
  const { committer, dedupe, reader, recent } = deps;
  const logRow = createLogRowWriter(db, deps);
  const receivedAt = column(db, 'SELECT received_at FROM log WHERE seq = ?');
  const newRetry = db.prepare(`INSERT INTO exceptions (sink, seq, state, received_at, attempts, next_at, first_error, last_error, first_failed_at, last_failed_at)
    VALUES (?, ?, 'retry', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sink, seq) DO UPDATE SET state = 'retry', attempts = excluded.attempts, next_at = excluded.next_at,
      first_error = excluded.first_error, last_error = excluded.last_error, first_failed_at = excluded.first_failed_at, last_failed_at = excluded.last_failed_at`);
  const retryAgain = db.prepare(`UPDATE exceptions SET attempts = attempts + ?, next_at = ?, last_error = ?, first_error = coalesce(first_error, ?),
    first_failed_at = coalesce(first_failed_at, ?), last_failed_at = ? WHERE sink = ? AND seq = ?`);
  const toDead = db.prepare(`UPDATE exceptions SET state = 'dead', attempts = attempts + 1, first_error = coalesce(first_error, @error), last_error = @error,
    first_failed_at = coalesce(first_failed_at, @now), last_failed_at = @now, dead_at = @now WHERE sink = @sink AND seq = @seq`);
  const newDead = db.prepare(`INSERT OR REPLACE INTO exceptions (sink, seq, state, received_at, attempts, next_at, first_error, last_error, first_failed_at, last_failed_at, dead_at)
    VALUES (@sink, @seq, 'dead', @receivedAt, 1, @now, @error, @error, @now, @now, @now)`);
  const dropRetries = db.prepare('DELETE FROM exceptions WHERE sink = ? AND seq BETWEEN ? AND ?');
  const dropEvent = db.prepare('DELETE FROM log WHERE seq = ?');
  const dropExceptions = db.prepare('DELETE FROM exceptions WHERE seq = ?');
  const state = (sink: string): SinkState | undefined => deps.states().get(sink);

  return {
    /** Makes the event durable; `duplicate` when its id is among the remembered ones. */
    append(event: Event, at: number, origin?: EventOrigin): Promise<'accepted' | 'duplicate'> {
      const id = event.attributes.id;
      if (dedupe.has(id)) return Promise.resolve('duplicate');
      // Serialised before anything is remembered: a throw here leaves nothing behind.
      const form = storedForm(event, deps.derivable ? origin : undefined);
      const seq = ++deps.lastSeq.value;
      dedupe.add(id, seq);
      return committer.submit(() => {
        logRow.insertRow(seq, id, at, form, event);
        logRow.account(seq, at, event);
        deps.stored.value += 1;
        return 'accepted' as const;
      }).then(
        (outcome) => {
          dedupe.committed(id, seq);
          return outcome;
        },
        (error: unknown) => {
          // Not committed: a resend is a new event. (A commit whose flush failed keeps its id.)
          if (error instanceof SpoolClosedError || !reader.event(seq)) dedupe.forget(id, seq);
          else dedupe.committed(id, seq);
          throw error;
        },
      );
    },

    delivered(sink: string, seqs: readonly number[]): Promise<void> {
      return committer.submit(() => {
        const s = state(sink);
        if (!s) return;
        const retried: number[] = [];
        for (const seq of seqs) {
          if (s.retries.delete(seq)) {
            retried.push(seq);
            settle(s, seq, false);
          } else if (isFresh(s, seq)) settle(s, seq, true);
          else continue;
          s.pending -= 1;
          s.dirty = true;
        }
        // Every seq of a run was this sink's retry, so each run's range holds only their rows.
        for (const [first, last] of runsOf(retried.sort((a, b) => a - b))) dropRetries.run(sink, first, last);
      }, { background: true });
    },

    failed(sink: string, seqs: readonly number[], error: string, nextAt: number, now = Date.now(), countAttempt = true): Promise<void> {
      return committer.submit(() => {
        const s = state(sink);
        if (!s) return;
        const add = countAttempt ? 1 : 0;
        for (const seq of seqs) {
          if (s.retries.has(seq)) {
            retryAgain.run(add, nextAt, error, error, now, now, sink, seq);
            s.retries.reschedule(seq, add, nextAt);
          } else if (isFresh(s, seq)) {
            const at = receivedAt.get(seq) as number;
            newRetry.run(sink, seq, at, add, nextAt, error, error, now, now);
            s.retries.set(seq, { seq, receivedAt: at, attempts: add, nextAt });
            settle(s, seq, false);
          }
        }
      }, { background: true });
    },

    deadLetter(sink: string, seqs: readonly number[], error: string, now: number): Promise<void> {
      return committer.submit(() => {
        const s = state(sink);
        if (!s) return;
        for (const seq of seqs) {
          if (s.retries.delete(seq)) toDead.run({ error, now, sink, seq });
          else if (isFresh(s, seq)) newDead.run({ sink, seq, receivedAt: receivedAt.get(seq) as number, error, now });
          else continue;
          settle(s, seq, false);
          s.pending -= 1;
          s.dead += 1;
          s.dirty = true;
        }
      });
    },

    /** Removes an event entirely (a direct delivery that failed must not make its resend a duplicate). */
    forget(id: string): Promise<void> {
      const seq = dedupe.seqOf(id);
      if (seq === undefined) return Promise.resolve();
      dedupe.forget(id, seq);
      return committer.submit(() => {
        const event = reader.event(seq);
        if (!event) return;
        for (const s of deps.states().values()) {
          if (s.retries.delete(seq) || (isFresh(s, seq) && s.configured && s.accepts(event))) {
            s.pending -= 1;
            s.dirty = true;
          }
          settle(s, seq, false);
        }
        dropExceptions.run(seq);
        deps.stored.value -= Number(dropEvent.run(seq).changes);
        recent.delete(seq);
      });
    },
  };
}
