import { performance } from 'node:perf_hooks';

/** The longest rest between two steps of a backfill. */
const maxRestMs = 100;

/**
 * Paces a backfill against live callbacks: after each step (a page or a message handed to the intake)
 * it rests as long as the event loop was busy since the previous rest, callbacks' work included, so a
 * backfill takes at most about half of the loop and less when callbacks keep it busy; the quota alone
 * would let it take all of it (at 200 calls/s, 4,000 messages a second to store). At least one turn
 * of the event loop, at most 100 ms.
 */
export function createPace(): { rest(): Promise<void> } {
  let mark = performance.eventLoopUtilization();
  return {
    async rest() {
      const busy = performance.eventLoopUtilization(mark).active;
      await new Promise<void>((resolve) => (busy < 1 ? setImmediate(resolve) : setTimeout(resolve, Math.min(busy, maxRestMs))));
      mark = performance.eventLoopUtilization();
    },
  };
}
