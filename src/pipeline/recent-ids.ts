/**
 * The ids of recently accepted events, for direct mode's de-duplication when no spooled sink needs the
 * event itself: a Map in insertion order, at most `max` ids and none older than `ttlMs` (the oldest go
 * first). About a tenth of the memory and a hundredth of the time of keeping them in the in-memory
 * SQLite spool; the sinks de-duplicate by id beyond this window.
 */
export interface RecentIds {
  /** Records `id`; false when it is already there (a repeat). */
  add(id: string): boolean;
  /** Forgets `id` (its delivery failed, so a resend is a fresh attempt). */
  forget(id: string): void;
  readonly size: number;
}

export function createRecentIds(options: { readonly max: number; readonly ttlMs: number; readonly clock: () => number }): RecentIds {
  // Membership in a Map, age order in a ring of the same size (removing the oldest from the front of a
  // Map and iterating it again walks the removed entries: quadratic).
  const seen = new Map<string, number>();
  const ring: (string | undefined)[] = new Array<string | undefined>(Math.max(options.max, 0));
  const times: number[] = new Array<number>(Math.max(options.max, 0)).fill(0);
  let oldest = 0;
  let count = 0;

  function dropOldest(): void {
    const id = ring[oldest];
    // A forgotten id may have come back later: only drop the entry this ring slot recorded.
    if (id !== undefined && seen.get(id) === times[oldest]) seen.delete(id);
    ring[oldest] = undefined;
    oldest = (oldest + 1) % ring.length;
    count -= 1;
  }

  return {
    add(id) {
      const now = options.clock();
      while (count > 0 && now - (times[oldest] as number) >= options.ttlMs) dropOldest();
      if (seen.has(id)) return false;
      if (ring.length === 0) return true;
      if (count === ring.length) dropOldest();
      const slot = (oldest + count) % ring.length;
      ring[slot] = id;
      times[slot] = now;
      count += 1;
      seen.set(id, now);
      return true;
    },
    forget(id) {
      seen.delete(id);
    },
    get size() {
      return seen.size;
    },
  };
}
