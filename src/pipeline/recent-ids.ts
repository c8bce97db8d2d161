import { hash, randomBytes } from 'node:crypto';
import { createDigestTable } from './spool/digest-table';

/**
 * The ids of recently accepted events, for direct mode's de-duplication when no spooled sink needs the
 * event itself: at most `max` ids and none older than `ttlMs` (the oldest go first); the sinks
 * de-duplicate by id beyond this window.
 */
export interface RecentIds {
  /** Records `id`; false when it is already there (a repeat). */
  add(id: string): boolean;
  /** Forgets `id` (its delivery failed, so a resend is a fresh attempt). */
  forget(id: string): void;
  readonly size: number;
}

/**
 * Each id is kept as 96 bits of a keyed SHA-256 (the key drawn at start, so no sender can aim at a
 * collision): the first 64 in the digest table the spool's de-duplication uses (typed arrays, nothing
 * for the garbage collector to walk), the last 32 and the time beside it, in the same age order. Two
 * different ids are taken for one with a chance of about n / 2^96 per id against a window of n (below
 * 10^-23 for the default 100,000). About 40 bytes an id instead of the 0.1 KiB a Map of the id strings
 * held on the heap, where every major collection marked it.
 */
export function createRecentIds(options: { readonly max: number; readonly ttlMs: number; readonly clock: () => number }): RecentIds {
  const max = Math.max(options.max, 0);
  if (max === 0) return { add: () => true, forget: () => undefined, size: 0 };
  const key = randomBytes(16).toString('hex');
  const table = createDigestTable(max);
  // Entry n of the table (its "seq") sits in slot n % max here, as in the table's own ring.
  const thirds = new Uint32Array(max);
  const times = new Float64Array(max);
  let added = 0;

  const digest = (id: string) => {
    const bytes = hash('sha256', key + id, 'buffer');
    return [bytes.readUInt32LE(0), bytes.readUInt32LE(4), bytes.readUInt32LE(8)] as const;
  };
  /** The entry the table holds for this digest, or undefined. */
  function find(high: number, low: number, third: number): number | undefined {
    let found: number | undefined;
    table.forEach(high, low, (n) => {
      if (thirds[n % max] === third) found = n;
    });
    return found;
  }

  return {
    add(id) {
      const now = options.clock();
      for (let n = table.oldestSeq(); n !== undefined && now - (times[n % max] as number) >= options.ttlMs; n = table.oldestSeq()) table.dropOldest();
      const [high, low, third] = digest(id);
      if (find(high, low, third) !== undefined) return false;
      const n = added++;
      thirds[n % max] = third;
      times[n % max] = now;
      table.add(high, low, n);
      return true;
    },
    forget(id) {
      const [high, low, third] = digest(id);
      const n = find(high, low, third);
      if (n !== undefined) table.removeEntry(high, low, n);
    },
    get size() {
      return table.size;
    },
  };
}
