import { growColumn } from './growable';

/**
 * A binary min-heap of slots (small non-negative integers) ordered by a column of keys, held in typed
 * arrays: no object per entry, so a million entries are two arrays the garbage collector does not
 * walk. Each slot's position is kept, so any slot can be removed or re-placed in O(log n) and the heap
 * holds exactly the live slots (nothing stale to skip or compact). The key column is read at each
 * comparison: the owner calls `update` after changing a slot's key, and `resize` when the column or the
 * slot range grows.
 */
export class SlotHeap {
  #items = new Int32Array(0);
  /** Position of each slot in `#items`, -1 when absent. */
  #positions = new Int32Array(0);
  #length = 0;
  #keys: Float64Array;

  constructor(keys: Float64Array) {
    this.#keys = keys;
  }

  get length(): number {
    return this.#length;
  }

  /** Takes slots below `capacity` (no fewer than before), comparing by `keys` from now on; large heaps grow in place (`growable.ts`). */
  resize(capacity: number, keys: Float64Array): void {
    const had = this.#positions.length;
    this.#items = growColumn(this.#items, Int32Array, capacity);
    this.#positions = growColumn(this.#positions, Int32Array, capacity);
    this.#positions.fill(-1, had);
    this.#keys = keys;
  }

  push(slot: number): void {
    this.#place(slot, this.#length);
    this.#length += 1;
    this.#up(slot);
  }

  /** Removes `slot` if it is in the heap. */
  remove(slot: number): void {
    const at = this.#positions[slot] ?? -1;
    if (at < 0) return;
    this.#positions[slot] = -1;
    this.#length -= 1;
    if (at === this.#length) return;
    const last = this.#items[this.#length] as number;
    this.#place(last, at);
    this.#up(last);
    this.#down(last);
  }

  /** Restores the order after `slot`'s key changed. */
  update(slot: number): void {
    if ((this.#positions[slot] ?? -1) < 0) return;
    this.#up(slot);
    this.#down(slot);
  }

  /** The slot of the smallest key, or -1 when empty. */
  top(): number {
    return this.#length === 0 ? -1 : (this.#items[0] as number);
  }

  /**
   * The `limit` slots of smallest keys in key order, without changing the heap: a best-first walk
   * from the root that keeps a frontier of at most `limit + 1` positions (O(limit log limit)).
   */
  smallest(limit: number): number[] {
    const taken: number[] = [];
    const frontier: number[] = this.#length > 0 ? [0] : [];
    while (taken.length < limit && frontier.length > 0) {
      const at = this.#popFrontier(frontier);
      taken.push(this.#items[at] as number);
      if (2 * at + 1 < this.#length) this.#pushFrontier(frontier, 2 * at + 1);
      if (2 * at + 2 < this.#length) this.#pushFrontier(frontier, 2 * at + 2);
    }
    return taken;
  }

  /** Empties the heap and gives its arrays back; `resize` makes room again. */
  reset(keys: Float64Array): void {
    this.#items = new Int32Array(0);
    this.#positions = new Int32Array(0);
    this.#length = 0;
    this.#keys = keys;
  }

  #keyAt(at: number): number {
    return this.#keys[this.#items[at] as number] as number;
  }

  #place(slot: number, at: number): void {
    this.#items[at] = slot;
    this.#positions[slot] = at;
  }

  #up(slot: number): void {
    const key = this.#keys[slot] as number;
    let at = this.#positions[slot] as number;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (this.#keyAt(parent) <= key) break;
      this.#place(this.#items[parent] as number, at);
      at = parent;
    }
    this.#place(slot, at);
  }

  #down(slot: number): void {
    const key = this.#keys[slot] as number;
    let at = this.#positions[slot] as number;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.#length) break;
      const right = left + 1;
      const child = right < this.#length && this.#keyAt(right) < this.#keyAt(left) ? right : left;
      if (this.#keyAt(child) >= key) break;
      this.#place(this.#items[child] as number, at);
      at = child;
    }
    this.#place(slot, at);
  }

  /** A small min-heap of heap positions, ordered by their keys (the walk of `smallest`). */
  #pushFrontier(frontier: number[], at: number): void {
    let i = frontier.push(at) - 1;
    const key = this.#keyAt(at);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#keyAt(frontier[parent] as number) <= key) break;
      frontier[i] = frontier[parent] as number;
      i = parent;
    }
    frontier[i] = at;
  }

  #popFrontier(frontier: number[]): number {
    const top = frontier[0] as number;
    const last = frontier.pop() as number;
    if (frontier.length === 0) return top;
    const key = this.#keyAt(last);
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= frontier.length) break;
      const right = left + 1;
      const child = right < frontier.length && this.#keyAt(frontier[right] as number) < this.#keyAt(frontier[left] as number) ? right : left;
      if (this.#keyAt(frontier[child] as number) >= key) break;
      frontier[i] = frontier[child] as number;
      i = child;
    }
    frontier[i] = last;
    return top;
  }
}
