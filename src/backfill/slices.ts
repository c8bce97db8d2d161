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
 * Reads `source` one item ahead: the next item (a page of a history API, behind its quota) is asked
 * for as soon as the current one is handed out, so fetching it overlaps the consumer's work on the
 * current one. Stopping early leaves no rejection unhandled.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done === true) return;
      next = iterator.next();
      // Awaited on the next turn of this loop; if the consumer stops first, its failure is of no use.
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    await iterator.return?.();
  }
}
