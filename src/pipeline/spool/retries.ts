import { growColumn } from './growable';
import { SeqTable } from './seq-table';
import { SlotHeap } from './slot-heap';
import { SlotOrder } from './slot-order';

/** An event of a sink waiting for another attempt (a row of `exceptions` in state `retry`). */
export interface Retry {
  readonly seq: number;
  /** When the sink's wait for it began: its receipt, or when an operator queued it again (redrive, replay). */
  readonly receivedAt: number;
  readonly attempts: number;
  readonly nextAt: number;
  /** Queued again by an operator's replay: the sink gets the event marked `replayed` (always written). */
  readonly replayed?: true;
}

/** Slots made room for at first; the columns double from there. */
const initialCapacity = 64;
/**
 * Up to this many slots, an emptied set of retries keeps its columns for the next ones: a sink that
 * delivers each slice of a redrive as it is queued empties them every few milliseconds.
 */
const keptCapacity = 4096;

/**
 * A sink's retries by seq, with the lowest seqs and the oldest receipt at hand. A redrive can leave a
 * million retries: they are kept as columns of typed arrays (one slot per retry, slots of removed
 * retries reused) with a hash table from seq to slot, a list of slots in the order they were added and
 * two min-heaps of slots (on seq and on receipt time), all in typed arrays, so the garbage collector
 * sees a few array buffers instead of an object or a map entry per retry, and every delivery
 * pass takes the lowest few hundred in O(k log k). `Retry` objects are made only for what callers
 * read (`get`, `first`, `lowest`): they are copies, and a change goes through `set` or `reschedule`.
 * Keys iterate in the order they were first set, like a `Map`.
 */
export class Retries {
  readonly #slots = new SeqTable();
  readonly #order = new SlotOrder();
  #capacity = 0;
  #seq = new Float64Array(0);
  #receivedAt = new Float64Array(0);
  #attempts = new Float64Array(0);
  #nextAt = new Float64Array(0);
  #replayed = new Uint8Array(0);
  /** Slots freed by removals, reused before `#used` grows; `#used` slots were ever handed out. */
  #free = new Int32Array(0);
  #freeCount = 0;
  #used = 0;
  readonly #bySeq = new SlotHeap(this.#seq);
  readonly #byReceived = new SlotHeap(this.#receivedAt);

  get size(): number {
    return this.#slots.size;
  }

  /** Retries the columns have room for (61 bytes a slot, besides the table's cells); 0 once more than 4,096 are emptied. */
  get capacity(): number {
    return this.#capacity;
  }

  has(seq: number): boolean {
    return this.#slots.has(seq);
  }

  /** The seqs, in the order they were first set; the retries must not change while this runs. */
  *keys(): Generator<number, void, undefined> {
    for (const slot of this.#order.slots()) yield this.#seq[slot] as number;
  }

  get(seq: number): Retry | undefined {
    const slot = this.#slots.get(seq);
    return slot < 0 ? undefined : this.#retryAt(slot);
  }

  /** Adds the retry of `seq` (`retry.seq` is `seq`), or replaces it in place. */
  set(seq: number, retry: Retry): this {
    let slot = this.#slots.get(seq);
    const added = slot < 0;
    if (added) {
      slot = this.#take();
      this.#slots.set(seq, slot);
      this.#order.append(slot);
    }
    this.#seq[slot] = seq;
    this.#receivedAt[slot] = retry.receivedAt;
    this.#attempts[slot] = retry.attempts;
    this.#nextAt[slot] = retry.nextAt;
    this.#replayed[slot] = retry.replayed ? 1 : 0;
    if (added) {
      this.#bySeq.push(slot);
      this.#byReceived.push(slot);
    } else this.#byReceived.update(slot);
    return this;
  }

  /** Another failed attempt of `seq`: `added` attempts more, due at `nextAt`. False when it is not a retry. */
  reschedule(seq: number, added: number, nextAt: number): boolean {
    const slot = this.#slots.get(seq);
    if (slot < 0) return false;
    this.#attempts[slot] = (this.#attempts[slot] as number) + added;
    this.#nextAt[slot] = nextAt;
    return true;
  }

  delete(seq: number): boolean {
    const slot = this.#slots.delete(seq);
    if (slot < 0) return false;
    this.#order.remove(slot);
    this.#bySeq.remove(slot);
    this.#byReceived.remove(slot);
    this.#free[this.#freeCount] = slot;
    this.#freeCount += 1;
    if (this.#slots.size === 0) this.#emptied();
    return true;
  }

  clear(): void {
    this.#slots.clear();
    this.#freeCount = 0;
    this.#used = 0;
    this.#resize(0);
    this.#order.reset();
    this.#bySeq.reset(this.#seq);
    this.#byReceived.reset(this.#receivedAt);
  }

  /** The `limit` retries of lowest seq, in seq order. */
  lowest(limit: number): Retry[] {
    return this.#bySeq.smallest(limit).map((slot) => this.#retryAt(slot));
  }

  /** The retry of lowest seq. */
  first(): Retry | undefined {
    const slot = this.#bySeq.top();
    return slot < 0 ? undefined : this.#retryAt(slot);
  }

  /** The earliest receipt time among the retries. */
  oldestReceivedAt(): number | undefined {
    const slot = this.#byReceived.top();
    return slot < 0 ? undefined : this.#receivedAt[slot];
  }

  #retryAt(slot: number): Retry {
    const retry = { seq: this.#seq[slot] as number, receivedAt: this.#receivedAt[slot] as number, attempts: this.#attempts[slot] as number, nextAt: this.#nextAt[slot] as number };
    return this.#replayed[slot] === 1 ? { ...retry, replayed: true } : retry;
  }

  /** Every slot is free again: the last of a redrive's million gives the columns' memory back. */
  #emptied(): void {
    if (this.#capacity > keptCapacity) this.clear();
    else {
      this.#freeCount = 0;
      this.#used = 0;
    }
  }

  /** A free slot: a freed one, else the next unused one (doubling the columns when they are full). */
  #take(): number {
    if (this.#freeCount > 0) {
      this.#freeCount -= 1;
      return this.#free[this.#freeCount] as number;
    }
    if (this.#used === this.#capacity) this.#resize(Math.max(initialCapacity, 2 * this.#capacity));
    this.#used += 1;
    return this.#used - 1;
  }

  #resize(capacity: number): void {
    if (capacity === 0) {
      this.#seq = new Float64Array(0);
      this.#receivedAt = new Float64Array(0);
      this.#attempts = new Float64Array(0);
      this.#nextAt = new Float64Array(0);
      this.#replayed = new Uint8Array(0);
      this.#free = new Int32Array(0);
      this.#capacity = 0;
      return;
    }
    // Large columns grow in place (`growable.ts`): a redrive's millionth retry does not copy the first ones.
    this.#seq = growColumn(this.#seq, Float64Array, capacity);
    this.#receivedAt = growColumn(this.#receivedAt, Float64Array, capacity);
    this.#attempts = growColumn(this.#attempts, Float64Array, capacity);
    this.#nextAt = growColumn(this.#nextAt, Float64Array, capacity);
    this.#replayed = growColumn(this.#replayed, Uint8Array, capacity);
    // Freed slots are all below `#used`: the stack never holds more than that.
    this.#free = growColumn(this.#free, Int32Array, capacity);
    this.#capacity = capacity;
    this.#order.resize(capacity);
    this.#bySeq.resize(capacity, this.#seq);
    this.#byReceived.resize(capacity, this.#receivedAt);
  }
}
