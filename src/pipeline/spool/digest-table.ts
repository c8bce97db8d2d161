/**
 * A window of the newest `max` entries (a 64-bit digest as two 32-bit halves, and a seq), looked up by
 * digest. The entries live in a ring in age order; an open-addressing hash table with linear probing
 * holds, per cell, the ring slot of one entry (plus one; 0 is an empty cell). Nothing in it is a
 * JavaScript object per entry, so the garbage collector never walks it. The table is 4 bytes a cell
 * rather than a copy of each entry (17 bytes a cell): for the default 200,000 ids, 5.2 MB in all instead of
 * 11.7, and what a few thousand random inserts make resident is the 2 MB of cells.
 * Several entries may share a digest (an id added again, or two ids that collide): lookups visit them
 * all. Adding to a full window drops its oldest entry (if still there).
 */
export function createDigestTable(max: number) {
  let capacity = 16;
  while (capacity < 2 * max) capacity *= 2;
  const mask = capacity - 1;
  const cells = new Int32Array(capacity);
  const ringHighs = new Uint32Array(max);
  const ringLows = new Uint32Array(max);
  const ringSeqs = new Float64Array(max);
  let oldest = 0;
  let count = 0;
  let entries = 0;

  const home = (low: number): number => low & mask;

  /** Empties cell `i` and moves later cells of its probe run back, so no lookup stops early. */
  function removeAt(i: number): void {
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const slot = cells[j] as number;
      if (slot === 0) break;
      const k = home(ringLows[slot - 1] as number);
      // The cell at j may fill the hole if its home is not between the hole and j (cyclically).
      const between = hole <= j ? hole < k && k <= j : hole < k || k <= j;
      if (between) continue;
      cells[hole] = slot;
      hole = j;
    }
    cells[hole] = 0;
    entries -= 1;
  }

  /** Removes the cell of ring slot `slot` if the table still holds it. */
  function removeSlot(slot: number): void {
    for (let i = home(ringLows[slot] as number); cells[i] !== 0; i = (i + 1) & mask) {
      if (cells[i] === slot + 1) return removeAt(i);
    }
  }

  /** Removes the entry (high, low, seq) if the table still holds it. */
  function removeExact(high: number, low: number, seq: number): void {
    for (let i = home(low); cells[i] !== 0; i = (i + 1) & mask) {
      const r = (cells[i] as number) - 1;
      if (ringLows[r] === low && ringHighs[r] === high && ringSeqs[r] === seq) return removeAt(i);
    }
  }

  return {
    add(high: number, low: number, seq: number): void {
      if (count === max) {
        removeSlot(oldest);
        oldest = (oldest + 1) % max;
        count -= 1;
      }
      const slot = (oldest + count) % max;
      ringHighs[slot] = high;
      ringLows[slot] = low;
      ringSeqs[slot] = seq;
      count += 1;
      let i = home(low);
      while (cells[i] !== 0) i = (i + 1) & mask;
      cells[i] = slot + 1;
      entries += 1;
    },
    /** Calls `visit` with the seq of every entry holding this digest. */
    forEach(high: number, low: number, visit: (seq: number) => void): void {
      for (let i = home(low); cells[i] !== 0; i = (i + 1) & mask) {
        const r = (cells[i] as number) - 1;
        if (ringLows[r] === low && ringHighs[r] === high) visit(ringSeqs[r] as number);
      }
    },
    /** Removes the entry (high, low, seq) if the table still holds it. */
    removeEntry: removeExact,
    clear(): void {
      cells.fill(0);
      oldest = 0;
      count = 0;
      entries = 0;
    },
    /** Drops the oldest entry of the window (from the table too, if still there). */
    dropOldest(): void {
      if (count === 0) return;
      removeSlot(oldest);
      oldest = (oldest + 1) % max;
      count -= 1;
    },
    /** The seq of the oldest entry of the window (even if removed since), or undefined when it is empty. */
    oldestSeq: (): number | undefined => (count === 0 ? undefined : ringSeqs[oldest]),
    /** Entries held. */
    get size(): number {
      return entries;
    },
  };
}
