import { performance } from 'node:perf_hooks';
import { backgroundTurn } from '../pipeline/background-turns';

/** How long one slice of a backfill's work may hold the event loop. */
export const sliceMs = 1;

/**
 * Maps `items` with `work` in slices of about `budgetMs` of event loop time: after each slice it waits
 * for a background turn of the loop (`backgroundTurn`), so I/O that arrived meanwhile — a live callback — is
 * handled before the next slice. Results in the order of `items`. For pure per-item work (a vendor body
 * made into an event); one item that takes longer than the budget is still one slice.
 */
export async function mapInSlices<T, R>(items: readonly T[], work: (item: T) => R, budgetMs = sliceMs): Promise<R[]> {
  const results: R[] = [];
  let started = performance.now();
  for (const item of items) {
    if (performance.now() - started >= budgetMs) {
      await backgroundTurn();
      started = performance.now();
    }
    results.push(work(item));
  }
  return results;
}

/**
 * Runs `calls` (each given a signal) with up to `depth` of them in flight, started in order, and yields
 * their results in that order: calls whose arguments do not depend on each other's answers (pages of a
 * history read by fixed ranges) overlap their round trips, so a quota, not the round trip, sets the
 * pace, and they overlap the consumer's work on the result handed out. A failure is thrown when its
 * turn comes. Stopping early, or a failure, aborts the calls still in flight and leaves no rejection
 * unhandled; `signal` aborts them too.
 */
export async function* inOrder<T>(calls: Iterable<(signal: AbortSignal) => Promise<T>>, depth: number, signal?: AbortSignal): AsyncGenerator<T> {
  const stop = new AbortController();
  const given = signal === undefined ? stop.signal : AbortSignal.any([signal, stop.signal]);
  const iterator = calls[Symbol.iterator]();
  const pending: Promise<T>[] = [];
  const ask = (): boolean => {
    const next = iterator.next();
    if (next.done === true) return false;
    const running = next.value(given);
    // Awaited in turn by this loop; if the consumer stops first, its failure is of no use.
    running.catch(() => undefined);
    pending.push(running);
    return true;
  };
  try {
    while (pending.length < depth && ask());
    while (pending.length > 0) {
      const result = await (pending.shift() as Promise<T>);
      ask();
      yield result;
    }
  } finally {
    stop.abort();
  }
}
