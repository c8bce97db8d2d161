import type { Event, EventOrigin } from '../../events/event';
import type { SinkState } from './cursors';
import type { Dedupe } from './dedupe';
import { SpoolClosedError, type GroupCommitter } from './group-commit';
import type { LogReader } from './log';
import { createLogRowWriter, storedForm } from './log-row';
import type { RecentEvents } from './recent';
import type { SearchTail } from './search-tail';
import type { Database } from './sqlite';

interface Row {
  readonly seq: number;
  readonly id: string;
  readonly form: ReturnType<typeof storedForm>;
  readonly event: Event;
}

/**
 * Appends several events as one write of the group committer: one de-duplication pass, one savepoint,
 * one promise, where `append` takes one of each per event. For intakes that hand over many events at
 * once (a page of a vendor's history); what each event becomes is what `append` would make of it: the
 * same row, the same search row, the same sinks' counts, and `duplicate` for an id the spool remembers
 * (or one repeated earlier in the same batch). Each row's stored form is made before the write is
 * queued, so the commit itself holds the event loop only for the inserts. All or none: when the
 * write fails, none of the batch is stored and every id may come again. No callback waits for a
 * batch, so it is a background write of the committer: committed with whatever comes next, never
 * counted toward the commit window, which would otherwise hold every callback during a fill.
 */
export function createBatchAppend(db: Database, deps: { committer: GroupCommitter; states: () => Map<string, SinkState>; dedupe: Dedupe; reader: LogReader; searchTail: SearchTail; lastSeq: { value: number }; stored: { value: number }; recent: RecentEvents; derivable: boolean }) {
  const { committer, dedupe, reader } = deps;
  const logRow = createLogRowWriter(db, deps);

  return async function appendMany(events: readonly Event[], at: number, origins?: readonly (EventOrigin | undefined)[]): Promise<('accepted' | 'duplicate')[]> {
    const outcomes: ('accepted' | 'duplicate')[] = [];
    const rows: Row[] = [];
    for (const [i, event] of events.entries()) {
      const id = event.attributes.id;
      if (dedupe.has(id)) {
        outcomes.push('duplicate');
        continue;
      }
      // Serialised before anything is remembered: a throw here leaves nothing behind.
      const form = storedForm(event, deps.derivable ? origins?.[i] : undefined);
      const seq = ++deps.lastSeq.value;
      dedupe.add(id, seq);
      rows.push({ seq, id, form, event });
      outcomes.push('accepted');
    }
    if (rows.length === 0) return outcomes;
    try {
      // A background write: no request waits for it, so it never opens the commit window for callbacks.
      await committer.submit(
        () => {
          // Every row first: one that fails (a full disk) rolls the batch back before memory changed.
          for (const { seq, id, form, event } of rows) logRow.insertRow(seq, id, at, form, event);
          for (const { seq, event } of rows) logRow.account(seq, at, event);
          deps.stored.value += rows.length;
        },
        { background: true },
      );
    } catch (error) {
      // Not committed: a later copy is a new event. (A commit whose flush failed keeps its ids.)
      for (const { seq, id } of rows) {
        if (error instanceof SpoolClosedError || !reader.event(seq)) dedupe.forget(id, seq);
        else dedupe.committed(id, seq);
      }
      throw error;
    }
    for (const { seq, id } of rows) dedupe.committed(id, seq);
    return outcomes;
  };
}

export type BatchAppend = ReturnType<typeof createBatchAppend>;
