import { hash, randomBytes } from 'node:crypto';
import { arrays, column, type Database } from './sqlite';
import { createDigestTable } from './digest-table';

/** Ids remembered by default: about 12 MB of memory (typed arrays). */
export const defaultDedupeWindow = 200_000;

/**
 * The ids of the newest `max` events of the log, each with its seq: a repeat of one of them is a
 * duplicate. Kept in memory, so an append costs no index write on a random page; rebuilt from the
 * log's tail at open, so it holds across restarts and `kill -9` (the log is the truth).
 *
 * The window holds 64-bit digests of the ids (SHA-256 with a key drawn at open, so nobody can choose
 * ids that collide), not the ids: typed arrays the garbage collector never walks, about 60 bytes an id
 * instead of about 140 for strings in a Map. A digest that matches is confirmed against the id itself:
 * in memory while the id's append is not committed yet, else the id stored in the log row at its seq
 * (one read by primary key, made only for a repeat, or for a digest collision). So a repeat is never
 * missed and a new id is never taken for a repeat. Entries whose row is gone (a failed append, an event
 * removed) confirm nothing and leave with the window.
 */
export function createDedupe(db: Database, max: number, digestOf: (id: string) => readonly [number, number] = keyedDigest()) {
  const table = createDigestTable(Math.max(max, 1));
  const storedId = column(db, 'SELECT id FROM log WHERE seq = ?');
  const recent = arrays(db, 'SELECT seq, id FROM log ORDER BY seq DESC LIMIT ?');
  /** Appends not committed yet, by id: their rows cannot confirm them. */
  const uncommitted = new Map<string, number>();
  let lastId: string | undefined;
  let lastDigest: readonly [number, number] = [0, 0];

  // `has` and then `add` of one id hash it once.
  function digest(id: string): readonly [number, number] {
    if (id === lastId) return lastDigest;
    lastDigest = digestOf(id);
    lastId = id;
    return lastDigest;
  }

  /** The seq of the remembered event with this id, confirmed; undefined when none is. */
  function seqOf(id: string): number | undefined {
    const pending = uncommitted.get(id);
    if (pending !== undefined) return pending;
    // A closed spool confirms nothing: the append that asks is refused by the committer anyway.
    if (!db.isOpen) return undefined;
    const [hi, lo] = digest(id);
    let found: number | undefined;
    table.forEach(hi, lo, (seq) => {
      if (found === undefined && storedId.get(seq) === id) found = seq;
    });
    return found;
  }

  return {
    has: (id: string): boolean => seqOf(id) !== undefined,
    seqOf,
    /** Remembers `id` at `seq` before its append commits; `committed` or `forget` with the same seq follows. */
    add(id: string, seq: number): void {
      const [hi, lo] = digest(id);
      uncommitted.set(id, seq);
      table.add(hi, lo, seq);
    },
    /** The append of `id` at `seq` committed: its row confirms it from now on. */
    committed(id: string, seq: number): void {
      if (uncommitted.get(id) === seq) uncommitted.delete(id);
    },
    /**
     * The event `id` at `seq` is gone or never was stored (its append failed, or it was removed): that
     * entry only, so a later copy of the same id (a resend accepted after the window) stays remembered.
     * Reads nothing (the spool may be closed).
     */
    forget(id: string, seq: number): void {
      if (uncommitted.get(id) === seq) uncommitted.delete(id);
      const [hi, lo] = digest(id);
      table.removeEntry(hi, lo, seq);
    },
    /**
     * Refills the window from the newest `max` events of the log (at open, or after another connection
     * appended), then the appends still in flight: they are not in the log yet, and a repeat of one of
     * them is still a duplicate.
     */
    load(): void {
      table.clear();
      const rows = recent.all(max) as unknown as [number, string][];
      for (let i = rows.length - 1; i >= 0; i -= 1) {
        const [seq, id] = rows[i] as [number, string];
        const [hi, lo] = digest(id);
        table.add(hi, lo, seq);
      }
      for (const [id, seq] of uncommitted) {
        const [hi, lo] = digest(id);
        table.add(hi, lo, seq);
      }
    },
    /** The seq of the oldest remembered id, or undefined when none is. */
    oldestSeq: (): number | undefined => table.oldestSeq(),
    /** Ids remembered (entries of the window, including ones whose append is still in flight). */
    get size(): number {
      return table.size;
    },
  };
}

export type Dedupe = ReturnType<typeof createDedupe>;

/** The first 64 bits of SHA-256 over a key drawn now and the id. */
function keyedDigest(): (id: string) => readonly [number, number] {
  const key = randomBytes(16).toString('hex');
  return (id) => {
    const bytes = hash('sha256', key + id, 'buffer');
    return [bytes.readUInt32LE(0), bytes.readUInt32LE(4)];
  };
}
