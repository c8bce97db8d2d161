/** Cells made room for at first; the table doubles (or shrinks) from there. */
const minCapacity = 16;
/** A cell that never held an entry: a lookup stops here. */
const empty = -1;
/** A cell whose entry was deleted: a lookup goes on past it, an insert may reuse it. */
const tombstone = -2;

/**
 * A map from seq (an integer from 0 to 2^53 - 1) to slot (an integer from 0 to 2^31 - 1) held in two
 * typed arrays: an open-addressing hash table with linear probing. A million entries are two array
 * buffers that the garbage collector neither walks nor copies, where a `Map` is a table of tagged
 * values that every major collection marks and that rehashes on the heap as it grows and shrinks.
 * Deleted entries leave tombstones; the table is rebuilt (grown, kept or shrunk to fit what is live)
 * when live entries and tombstones fill half of it, so a lookup stays a few probes and its memory
 * follows the live entries. Iteration order is not kept: the owner keeps any order it needs.
 */
export class SeqTable {
  #keys = new Float64Array(0);
  /** The slot of each cell, or `empty` / `tombstone`. */
  #values = new Int32Array(0);
  #size = 0;
  /** Cells holding an entry or a tombstone. */
  #occupied = 0;

  get size(): number {
    return this.#size;
  }

  /** Cells in the table (12 bytes each): 0 when it never held an entry or was cleared. */
  get capacity(): number {
    return this.#values.length;
  }

  /** The slot of `seq`, or -1 when it has none. */
  get(seq: number): number {
    if (this.#size === 0) return -1;
    const cell = this.#find(seq);
    return cell < 0 ? -1 : (this.#values[cell] as number);
  }

  has(seq: number): boolean {
    return this.get(seq) >= 0;
  }

  /** Maps `seq` to `slot`, adding it or replacing its slot. */
  set(seq: number, slot: number): void {
    if (this.#size > 0) {
      const cell = this.#find(seq);
      if (cell >= 0) {
        this.#values[cell] = slot;
        return;
      }
    }
    if (2 * (this.#occupied + 1) > this.#values.length) this.#rebuild(this.#size + 1);
    this.#insert(seq, slot);
    this.#size += 1;
  }

  /** Removes `seq`; returns the slot it had, or -1 when it had none. */
  delete(seq: number): number {
    if (this.#size === 0) return -1;
    const cell = this.#find(seq);
    if (cell < 0) return -1;
    const slot = this.#values[cell] as number;
    this.#values[cell] = tombstone;
    this.#size -= 1;
    // The last one gone: give the memory back at once rather than at the next insert.
    if (this.#size === 0) this.clear();
    return slot;
  }

  /** Removes every entry and gives the arrays back. */
  clear(): void {
    this.#keys = new Float64Array(0);
    this.#values = new Int32Array(0);
    this.#size = 0;
    this.#occupied = 0;
  }

  /** The cell holding `seq`, or -1. */
  #find(seq: number): number {
    const mask = this.#values.length - 1;
    for (let cell = hash(seq) & mask; ; cell = (cell + 1) & mask) {
      const value = this.#values[cell] as number;
      if (value === empty) return -1;
      if (value !== tombstone && this.#keys[cell] === seq) return cell;
    }
  }

  /** Puts an entry known to be absent in the first free cell of its probe run. */
  #insert(seq: number, slot: number): void {
    const mask = this.#values.length - 1;
    let cell = hash(seq) & mask;
    while ((this.#values[cell] as number) >= 0) cell = (cell + 1) & mask;
    if (this.#values[cell] === empty) this.#occupied += 1;
    this.#keys[cell] = seq;
    this.#values[cell] = slot;
  }

  /**
   * A table for `live` entries at most a third full (so a sixth of it fills before the next rebuild,
   * which keeps rebuilds amortised O(1)), holding the live entries and no tombstones.
   */
  #rebuild(live: number): void {
    let capacity = minCapacity;
    while (capacity < 3 * live) capacity *= 2;
    const keys = this.#keys;
    const values = this.#values;
    this.#keys = new Float64Array(capacity);
    this.#values = new Int32Array(capacity).fill(empty);
    this.#occupied = 0;
    for (let cell = 0; cell < values.length; cell += 1) {
      const slot = values[cell] as number;
      if (slot >= 0) this.#insert(keys[cell] as number, slot);
    }
  }
}

/**
 * Spreads a seq over 32 bits: both halves of the integer (a seq can pass 2^32) mixed by multiplication
 * (murmur3's finaliser), so runs of consecutive seqs do not cluster in the probe sequence.
 */
function hash(seq: number): number {
  let h = (seq >>> 0) ^ Math.imul((seq / 4294967296) >>> 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
