import { arrays, type Database } from './sqlite';

/** Ids remembered by default: about 20 MB of memory. */
export const defaultDedupeWindow = 200_000;

/**
 * The ids of the newest `max` events of the log, each with its seq: a repeat of one of them is a
 * duplicate. Kept in memory, so an append costs no index write on a random page; rebuilt from the
 * log's tail at open, so it holds across restarts and `kill -9` (the log is the truth). A Map for
 * membership, a ring for age order (dropping from a Map's front and iterating again is quadratic).
 */
export function createDedupe(max: number) {
  const seqs = new Map<string, number>();
  const ring: (string | undefined)[] = new Array<string | undefined>(Math.max(max, 1));
  const ringSeqs = new Float64Array(ring.length);
  let oldest = 0;
  let count = 0;

  function add(id: string, seq: number): void {
    if (count === ring.length) {
      const dropped = ring[oldest];
      // A forgotten id may have come back later: only drop the entry this slot recorded.
      if (dropped !== undefined && seqs.get(dropped) === ringSeqs[oldest]) seqs.delete(dropped);
      oldest = (oldest + 1) % ring.length;
      count -= 1;
    }
    ring[(oldest + count) % ring.length] = id;
    ringSeqs[(oldest + count) % ring.length] = seq;
    count += 1;
    seqs.set(id, seq);
  }

  return {
    has: (id: string): boolean => seqs.has(id),
    seqOf: (id: string): number | undefined => seqs.get(id),
    add,
    /** The id may come again (its event was removed). */
    forget(id: string): void {
      seqs.delete(id);
    },
    /** Refills the window from the newest `max` events of the log. */
    load(db: Database): void {
      seqs.clear();
      ring.fill(undefined);
      oldest = 0;
      count = 0;
      const rows = arrays(db, 'SELECT seq, id FROM log ORDER BY seq DESC LIMIT ?').all(max) as unknown as [number, string][];
      for (let i = rows.length - 1; i >= 0; i -= 1) add((rows[i] as [number, string])[1], (rows[i] as [number, string])[0]);
    },
    /** The seq of the oldest remembered id, or undefined when none is. */
    oldestSeq: (): number | undefined => (count === 0 ? undefined : ringSeqs[oldest]),
    get size(): number {
      return seqs.size;
    },
  };
}

export type Dedupe = ReturnType<typeof createDedupe>;
