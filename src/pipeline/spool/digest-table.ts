/**
 * A window of the newest `max` entries (a 64-bit digest as two 32-bit halves, and a seq), looked up by
 * digest: an open-addressing hash table with linear probing over typed arrays, and a ring for age
 * order. Nothing in it is a JavaScript object per entry, so the garbage collector never walks it.
 * Several entries may share a digest (an id added again, or two ids that collide): lookups visit them
 * all. Adding to a full window drops its oldest entry (if still there).
 */
export function createDigestTable(max: number) {
  let capacity = 16;
  while (capacity < 2 * max) capacity *= 2;
  const mask = capacity - 1;
  const used = new Uint8Array(capacity);
  const highs = new Uint32Array(capacity);
  const lows = new Uint32Array(capacity);
  const seqs = new Float64Array(capacity);
  const ringHighs = new Uint32Array(max);
  const ringLows = new Uint32Array(max);
  const ringSeqs = new Float64Array(max);
  let oldest = 0;
  let count = 0;
  let entries = 0;

  const home = (low: number): number => low & mask;

  /** Empties slot `i` and moves later entries of its probe run back, so no lookup stops early. */
  function removeAt(i: number): void {
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (!used[j]) break;
      const k = home(lows[j] as number);
      // The entry at j may fill the hole if its home is not between the hole and j (cyclically).
      const between = hole <= j ? hole < k && k <= j : hole < k || k <= j;
      if (between) continue;
      highs[hole] = highs[j] as number;
      lows[hole] = lows[j] as number;
      seqs[hole] = seqs[j] as number;
      hole = j;
    }
    used[hole] = 0;
    entries -= 1;
  }

  /** Removes the entry (high, low, seq) if the table still holds it. */
  function removeExact(high: number, low: number, seq: number): void {
    for (let i = home(low); used[i]; i = (i + 1) & mask) {
      if (lows[i] === low && highs[i] === high && seqs[i] === seq) return removeAt(i);
    }
  }

  return {
    add(high: number, low: number, seq: number): void {
      if (count === max) {
        removeExact(ringHighs[oldest] as number, ringLows[oldest] as number, ringSeqs[oldest] as number);
        oldest = (oldest + 1) % max;
        count -= 1;
      }
      const slot = (oldest + count) % max;
      ringHighs[slot] = high;
      ringLows[slot] = low;
      ringSeqs[slot] = seq;
      count += 1;
      let i = home(low);
      while (used[i]) i = (i + 1) & mask;
      used[i] = 1;
      highs[i] = high;
      lows[i] = low;
      seqs[i] = seq;
      entries += 1;
    },
    /** Calls `visit` with the seq of every entry holding this digest. */
    forEach(high: number, low: number, visit: (seq: number) => void): void {
      for (let i = home(low); used[i]; i = (i + 1) & mask) {
        if (lows[i] === low && highs[i] === high) visit(seqs[i] as number);
      }
    },
    /** Removes the entry (high, low, seq) if the table still holds it. */
    removeEntry: removeExact,
    clear(): void {
      used.fill(0);
      oldest = 0;
      count = 0;
      entries = 0;
    },
    /** The seq of the oldest entry of the window (even if removed since), or undefined when it is empty. */
    oldestSeq: (): number | undefined => (count === 0 ? undefined : ringSeqs[oldest]),
    /** Entries held. */
    get size(): number {
      return entries;
    },
  };
}
