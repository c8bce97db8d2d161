import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long one slice of a backfill's work may hold the event loop. */
export const sliceMs = 1;

/**
 * Maps `items` with `work` in slices of about `budgetMs` of event loop time: after each slice it waits
 * for the next turn of the loop (`setImmediate`), so I/O that arrived meanwhile — a live callback — is
 * handled before the next slice. Results in the order of `items`. For pure per-item work (a vendor body
 * made into an event); one item that takes longer than the budget is still one slice.
 */
export async function mapInSlices<T, R>(items: readonly T[], work: (item: T) => R, budgetMs = sliceMs): Promise<R[]> {
  const results: R[] = [];
  let started = performance.now();
  for (const item of items) {
    if (performance.now() - started >= budgetMs) {
      await nextTurn();
      started = performance.now();
    }
    results.push(work(item));
  }
  return results;
}

/**
 * Reads `source` up to `depth` items ahead: the next items (pages of a history API, behind its quota)
 * are asked for as soon as the current one is handed out, so fetching them overlaps the consumer's work
 * on it, and a consumer slower than the quota for a moment does not leave the quota unused. Stopping
 * early leaves no rejection unhandled.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth = 2): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const pending: Promise<IteratorResult<T>>[] = [];
  const ask = (): void => {
    const next = iterator.next();
    // Awaited in turn by this loop; if the consumer stops first, its failure is of no use.
    next.catch(() => undefined);
    pending.push(next);
  };
  ask();
  try {
    for (;;) {
      const result = await (pending.shift() as Promise<IteratorResult<T>>);
      if (result.done === true) return;
      while (pending.length < depth) ask();
      yield result.value;
    }
  } finally {
    await iterator.return?.();
  }
}
