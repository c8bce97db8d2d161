/** Cells made room for at first; the table doubles (or shrinks) from there. */
const minCapacity = 16;
/** Up to this many cells, an emptied table keeps its arrays for the next entries. */
const keptCapacity = 8192;
/** A cell's value that never held an entry (what a new array holds): a lookup stops here. */
const empty = 0;
/** A cell whose entry was deleted: a lookup goes on past it, an insert may reuse it. */
const tombstone = -1;

/** One table: keys, and each cell's slot + 1 (or `empty` / `tombstone`). */
interface Cells {
  readonly keys: Float64Array;
  readonly values: Int32Array;
}

const noCells: Cells = { keys: new Float64Array(0), values: new Int32Array(0) };

/**
 * A map from seq (an integer from 0 to 2^53 - 1) to slot (an integer from 0 to 2^31 - 2) held in typed
 * arrays: an open-addressing hash table with linear probing. A million entries are array buffers that
 * the garbage collector neither walks nor copies, where a `Map` is a table of tagged values that every
 * major collection marks and that rehashes on the heap as it grows and shrinks.
 *
 * Deleted entries leave tombstones. When live entries and tombstones fill half the table, a new one is
 * made for what is live (at most a third full) and the entries move over a few cells with each later
 * insert, so no single call rehashes a million entries; until they have all moved a lookup asks both
 * tables. Iteration order is not kept: the owner keeps any order it needs.
 */
export class SeqTable {
  #cells: Cells = noCells;
  /** The table entries are moving out of, and the next of its cells to move. */
  #previous: Cells = noCells;
  #moved = 0;
  /** Live entries still in `#previous`. */
  #remaining = 0;
  /** Cells of `#previous` to move per insert, enough to empty it before `#cells` is half full. */
  #step = 0;
  #size = 0;
  /** Cells of `#cells` holding an entry or a tombstone. */
  #occupied = 0;

  get size(): number {
    return this.#size;
  }

  /** Cells held (12 bytes each), in the current table and one still being emptied; 0 once cleared. */
  get capacity(): number {
    return this.#cells.values.length + this.#previous.values.length;
  }

  /** Entries still in the table being emptied (0 when none is). */
  get moving(): number {
    return this.#remaining;
  }

  /** The slot of `seq`, or -1 when it has none. */
  get(seq: number): number {
    if (this.#size === 0) return -1;
    const cell = find(this.#cells, seq);
    if (cell >= 0) return (this.#cells.values[cell] as number) - 1;
    const old = find(this.#previous, seq);
    return old < 0 ? -1 : (this.#previous.values[old] as number) - 1;
  }

  has(seq: number): boolean {
    return this.get(seq) >= 0;
  }

  /** Maps `seq` to `slot`, adding it or replacing its slot. */
  set(seq: number, slot: number): void {
    const cell = this.#size === 0 ? -1 : find(this.#cells, seq);
    if (cell >= 0) {
      this.#cells.values[cell] = slot + 1;
      return;
    }
    const old = this.#size === 0 ? -1 : find(this.#previous, seq);
    if (old >= 0) {
      this.#previous.values[old] = tombstone;
      this.#remaining -= 1;
    } else this.#size += 1;
    if (2 * (this.#occupied + 1) > this.#cells.values.length) this.#grow();
    this.#insert(seq, slot + 1);
    this.#moveSome(this.#step);
  }

  /** Removes `seq`; returns the slot it had, or -1 when it had none. */
  delete(seq: number): number {
    if (this.#size === 0) return -1;
    let table = this.#cells;
    let cell = find(table, seq);
    if (cell < 0) {
      [table, cell] = [this.#previous, find(this.#previous, seq)];
      if (cell < 0) return -1;
      this.#remaining -= 1;
    }
    const slot = (table.values[cell] as number) - 1;
    table.values[cell] = tombstone;
    this.#size -= 1;
    if (this.#size === 0) this.#emptied();
    return slot;
  }

  /** Removes every entry and gives the arrays back. */
  clear(): void {
    this.#cells = noCells;
    this.#previous = noCells;
    this.#moved = 0;
    this.#remaining = 0;
    this.#step = 0;
    this.#size = 0;
    this.#occupied = 0;
  }

  /** The last entry gone: a large table gives its memory back at once, a small one is wiped for reuse. */
  #emptied(): void {
    if (this.#cells.values.length > keptCapacity) this.clear();
    else {
      this.#cells.values.fill(empty);
      this.#previous = noCells;
      this.#moved = 0;
      this.#remaining = 0;
      this.#occupied = 0;
    }
  }

  /**
   * Starts moving to a table for the live entries at most a third full: a sixth of it fills before the
   * next growth, and moving `#step` cells per insert empties the old one by then.
   */
  #grow(): void {
    this.#moveSome(Number.POSITIVE_INFINITY);
    let capacity = minCapacity;
    while (capacity < 3 * this.#size) capacity *= 2;
    this.#previous = this.#cells;
    this.#cells = { keys: new Float64Array(capacity), values: new Int32Array(capacity) };
    this.#moved = 0;
    // Every live entry but the one being set, which is in neither table yet.
    this.#remaining = this.#size - 1;
    this.#step = Math.ceil((6 * this.#previous.values.length) / capacity) + 1;
    this.#occupied = 0;
  }

  /** Moves the next `cells` cells of the table being emptied; lets it go once all have moved. */
  #moveSome(cells: number): void {
    const { keys, values } = this.#previous;
    const end = Math.min(values.length, this.#moved + cells);
    for (let cell = this.#moved; cell < end; cell += 1) {
      const value = values[cell] as number;
      if (value > 0) {
        this.#insert(keys[cell] as number, value);
        // Not empty: other entries' probe runs in this table go on past the cell.
        values[cell] = tombstone;
        this.#remaining -= 1;
      }
    }
    this.#moved = end;
    if (end === values.length) this.#previous = noCells;
  }

  /** Puts an entry known to be in neither table into the first free cell of its probe run. */
  #insert(seq: number, value: number): void {
    const { keys, values } = this.#cells;
    const mask = values.length - 1;
    let cell = hash(seq) & mask;
    while ((values[cell] as number) > 0) cell = (cell + 1) & mask;
    if (values[cell] === empty) this.#occupied += 1;
    keys[cell] = seq;
    values[cell] = value;
  }
}

/** The cell of `table` holding `seq`, or -1. */
function find({ keys, values }: Cells, seq: number): number {
  const mask = values.length - 1;
  if (mask < 0) return -1;
  for (let cell = hash(seq) & mask; ; cell = (cell + 1) & mask) {
    const value = values[cell] as number;
    if (value === empty) return -1;
    if (value !== tombstone && keys[cell] === seq) return cell;
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
