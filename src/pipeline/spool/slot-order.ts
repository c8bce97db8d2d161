import { growColumn } from './growable';

/**
 * The order in which slots (small non-negative integers) were added, as a doubly linked list held in
 * typed arrays: append and remove in O(1), no object per entry. The owner calls `resize` when its slot
 * range grows and `reset` when it gives its slots back.
 */
export class SlotOrder {
  #next = new Int32Array(0);
  #previous = new Int32Array(0);
  #head = -1;
  #tail = -1;

  /** Takes slots below `capacity` (no fewer than before); large lists grow in place (`growable.ts`). */
  resize(capacity: number): void {
    this.#next = growColumn(this.#next, Int32Array, capacity);
    this.#previous = growColumn(this.#previous, Int32Array, capacity);
  }

  /** Puts `slot` (not in the list) last. */
  append(slot: number): void {
    this.#previous[slot] = this.#tail;
    this.#next[slot] = -1;
    if (this.#tail < 0) this.#head = slot;
    else this.#next[this.#tail] = slot;
    this.#tail = slot;
  }

  /** Takes `slot` (in the list) out. */
  remove(slot: number): void {
    const previous = this.#previous[slot] as number;
    const next = this.#next[slot] as number;
    if (previous < 0) this.#head = next;
    else this.#next[previous] = next;
    if (next < 0) this.#tail = previous;
    else this.#previous[next] = previous;
  }

  /** The slots, first added first; the list must not change while this runs. */
  *slots(): Generator<number, void, undefined> {
    for (let slot = this.#head; slot >= 0; slot = this.#next[slot] as number) yield slot;
  }

  /** Empties the list and gives its arrays back; `resize` makes room again. */
  reset(): void {
    this.#next = new Int32Array(0);
    this.#previous = new Int32Array(0);
    this.#head = -1;
    this.#tail = -1;
  }
}
