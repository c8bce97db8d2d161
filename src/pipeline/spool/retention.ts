import { arrays, column, type Database, pragma } from './sqlite';
import type { SinkState } from './cursors';
import type { GroupCommitter } from './group-commit';
import { createRetentionMark } from './retention-mark';

/** Seqs one retention transaction looks at: bounded work per turn of the event loop. */
const pruneWindow = 2000;

/**
 * Removes delivered events from the front of the log: only events every sink's cursor has passed
 * (no sink waits for them) and no exception holds (a retry or a dead letter still needs its event).
 * Each removal is one short transaction over a range of seqs. Whether an exception holds an event is
 * one lookup in `exceptions_seq` per event: a `NOT IN` list of every held seq was built in full by
 * every pass, a second or more with a million dead letters, inside a commit. A pass starts where the
 * last one found only held events (`createRetentionMark`), so held events cost their walk once, and
 * again only after one of them is released.
 */
/** Events a delete removed: their seqs and ids. */
type Removed = [seq: number, id: string][];

export function createRetention(db: Database, committer: GroupCommitter, states: () => Map<string, SinkState>, forget: (id: string, seq: number) => void, stored: { value: number }) {
  const unheld = "NOT EXISTS (SELECT 1 FROM exceptions AS e WHERE e.seq = log.seq AND e.state != 'done')";
  const pruneOld = arrays(db, `DELETE FROM log WHERE seq IN (SELECT seq FROM log WHERE seq >= ? AND seq < ? AND seq <= ? AND received_at < ? AND ${unheld} ORDER BY seq LIMIT ?) RETURNING seq, id`);
  const firstFrom = db.prepare('SELECT seq, received_at AS receivedAt FROM log WHERE seq >= ? ORDER BY seq LIMIT 1');
  const firstYoung = column(db, 'SELECT seq FROM log WHERE seq >= ? AND seq < ? AND received_at >= ? ORDER BY seq LIMIT 1');
  const mark = createRetentionMark(db);
  const deleteIn = arrays(db, `DELETE FROM log WHERE seq IN (SELECT seq FROM log WHERE seq >= ? AND seq < ? AND seq <= ? AND ${unheld} ORDER BY seq LIMIT ?) RETURNING seq, id`);
  const trim = arrays(db, `DELETE FROM log WHERE seq <= ? AND seq <= ? AND ${unheld} RETURNING seq, id`);
  /** Removed events are counted at once, inside their commit (a rollback reloads the count). */
  const removed = (rows: unknown[]): Removed => {
    stored.value -= rows.length;
    return rows as Removed;
  };
  /** Their ids are forgotten once the commit holds (de-duplication reaches back as far as the log). */
  const forgetAll = (rows: Removed): number => {
    for (const [seq, id] of rows) forget(id, seq);
    return rows.length;
  };
  const range = db.prepare('SELECT min(seq) AS first, max(seq) AS last FROM log');
  const historyFrom = column(db, 'SELECT received_at FROM log ORDER BY seq LIMIT 1');
  const pageSize = pragma(db, 'page_size') as number;
  const quarantineBytes = column(db, 'SELECT bytes FROM quarantine_size');

  /** The highest seq every sink is done with. */
  const lowWater = (): number => Math.min(...[...states().values()].map((state) => state.cursor), Number.MAX_SAFE_INTEGER);

  function storedBytes(): number {
    const used = (pragma(db, 'page_count') as number) - (pragma(db, 'freelist_count') as number);
    return Math.max(0, used * pageSize - (quarantineBytes.get() as number));
  }

  /**
   * Removes what may go in one window of seqs from `start`. `examinedTo`: every event below it that is
   * still stored is held (the window ended there, at what no sink is done with, or at an event too
   * young to go); undefined when `asked` cut the window short.
   */
  function pruneWindowAt(start: number, before: number, asked: number): { rows: Removed; examinedTo: number | undefined } {
    const done = lowWater();
    const rows = removed(pruneOld.all(start, start + pruneWindow, done, before, asked));
    if (rows.length >= asked) return { rows, examinedTo: undefined };
    const end = Math.min(start + pruneWindow, done + 1);
    return { rows, examinedTo: (firstYoung.get(start, end, before) as number | undefined) ?? end };
  }

  return {
    /** Bytes of live database pages, without quarantined bodies (those have their own cap). */
    storedBytes,

    /** When the oldest stored event was received (replay reaches back to here). */
    historyFrom(): number | undefined {
      return (historyFrom.get() as number | undefined) ?? undefined;
    },

    /**
     * Removes delivered events received before `before`, at most `limit` of them; returns how many.
     * It walks the log from the front in windows of seqs, one transaction each, until it has removed
     * `limit`, passed what every sink is done with, or reached an event received at `before` or later
     * (events are appended in the order received): events held at the front (a million dead letters)
     * cost many short transactions, never one long one.
     */
    async prune(before: number, limit = 5000): Promise<number> {
      let count = 0;
      let from = await committer.submit(() => mark.start());
      while (count < limit) {
        const next = firstFrom.get(from) as { seq: number; receivedAt: number } | undefined;
        if (next === undefined || next.seq > lowWater() || next.receivedAt >= before) {
          // Nothing stored between `from` and `next`: the examined run reaches up to it.
          mark.advance(next?.seq ?? from);
          break;
        }
        const start = next.seq;
        const asked = limit - count;
        const window = await committer.submit(() => pruneWindowAt(start, before, asked));
        count += forgetAll(window.rows);
        if (window.examinedTo === undefined) break;
        mark.advance(window.examinedTo);
        from = window.examinedTo;
      }
      // Gives freed pages back on a spool made with incremental auto-vacuum; a no-op on newer ones.
      if (count > 0) pragma(db, 'incremental_vacuum');
      return count;
    },

    /**
     * Under byte pressure: removes delivered events oldest first, in short transactions of at most
     * `batch` events over `window` seqs at a time (bounded work per turn of the event loop), until
     * `storedBytes()` is at most `targetBytes`. `exhausted` when the target is still not met.
     */
    async relieve(targetBytes: number, { window = 5000, batch = 256 } = {}): Promise<{ removed: number; exhausted: boolean }> {
      const { first, last } = range.get() as { first: number | null; last: number | null };
      let total = 0;
      if (first === null || last === null) return { removed: total, exhausted: storedBytes() > targetBytes };
      for (let from = first; from <= Math.min(last, lowWater()); ) {
        if (storedBytes() <= targetBytes) return { removed: total, exhausted: false };
        const changes = forgetAll(await committer.submit(() => removed(deleteIn.all(from, from + window, lowWater(), batch))));
        total += changes;
        if (changes < batch) from += window;
      }
      return { removed: total, exhausted: storedBytes() > targetBytes };
    },

    /** Keeps at most about the newest `maxEvents` events (direct mode's in-memory store). */
    trimTo(maxEvents: number, lastSeq: number): Promise<number> {
      return committer.submit(() => removed(trim.all(lastSeq - maxEvents, lowWater()))).then(forgetAll);
    },
  };
}
