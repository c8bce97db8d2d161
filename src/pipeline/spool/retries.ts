/** An event of a sink waiting for another attempt (a row of `exceptions` in state `retry`). */
export interface Retry {
  readonly seq: number;
  readonly receivedAt: number;
  attempts: number;
  nextAt: number;
  /** Queued again by an operator's replay: the sink gets the event marked `replayed` (always written). */
  readonly replayed?: true;
}

type Key = (retry: Retry) => number;
const bySeq: Key = (retry) => retry.seq;
const byReceived: Key = (retry) => retry.receivedAt;

/**
 * A sink's retries by seq, with the lowest seqs and the oldest receipt at hand. A redrive can leave a
 * million retries, and every delivery pass asks for the lowest few hundred: two min-heaps (on seq and
 * on receipt time) answer in O(k log n) instead of a pass over them all, which held the event loop
 * for tens of milliseconds per pass. Removal is lazy: an entry deleted or replaced in the map stays
 * in the heaps until it reaches the top and is dropped there (delivery takes the lowest seqs first,
 * so that is where removed ones are); the heaps are rebuilt when stale entries outnumber live ones.
 */
export class Retries extends Map<number, Retry> {
  readonly #seqs: Retry[] = [];
  readonly #received: Retry[] = [];

  override set(seq: number, retry: Retry): this {
    if (super.get(seq) === retry) return this;
    super.set(seq, retry);
    push(this.#seqs, retry, bySeq);
    push(this.#received, retry, byReceived);
    if (this.#seqs.length > 2 * this.size + 1024) this.#rebuild();
    return this;
  }

  override clear(): void {
    super.clear();
    this.#seqs.length = 0;
    this.#received.length = 0;
  }

  /** The `limit` retries of lowest seq, in seq order. */
  lowest(limit: number): Retry[] {
    const taken: Retry[] = [];
    while (taken.length < limit) {
      const top = this.#top(this.#seqs, bySeq);
      if (top === undefined) break;
      taken.push(top);
      pop(this.#seqs, bySeq);
    }
    for (const retry of taken) push(this.#seqs, retry, bySeq);
    return taken;
  }

  /** The retry of lowest seq. */
  first(): Retry | undefined {
    return this.#top(this.#seqs, bySeq);
  }

  /** The earliest receipt time among the retries. */
  oldestReceivedAt(): number | undefined {
    return this.#top(this.#received, byReceived)?.receivedAt;
  }

  /** The live top of a heap, dropping the removed entries above it. */
  #top(heap: Retry[], key: Key): Retry | undefined {
    for (;;) {
      const top = heap[0];
      if (top === undefined || super.get(top.seq) === top) return top;
      pop(heap, key);
    }
  }

  #rebuild(): void {
    for (const [heap, key] of [[this.#seqs, bySeq], [this.#received, byReceived]] as const) {
      heap.length = 0;
      for (const retry of super.values()) heap.push(retry);
      for (let i = (heap.length >> 1) - 1; i >= 0; i -= 1) down(heap, i, key);
    }
  }
}

function push(heap: Retry[], item: Retry, key: Key): void {
  let i = heap.push(item) - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (key(heap[parent] as Retry) <= key(item)) break;
    heap[i] = heap[parent] as Retry;
    i = parent;
  }
  heap[i] = item;
}

function pop(heap: Retry[], key: Key): void {
  const last = heap.pop();
  if (last === undefined || heap.length === 0) return;
  heap[0] = last;
  down(heap, 0, key);
}

function down(heap: Retry[], from: number, key: Key): void {
  const item = heap[from] as Retry;
  let i = from;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const child = right < heap.length && key(heap[right] as Retry) < key(heap[left] as Retry) ? right : left;
    if (key(heap[child] as Retry) >= key(item)) break;
    heap[i] = heap[child] as Retry;
    i = child;
  }
  heap[i] = item;
}
