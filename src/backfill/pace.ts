import { performance } from 'node:perf_hooks';

/** The longest rest between two steps of a backfill. */
const maxRestMs = 100;

/** The share of the event loop's time a backfill leaves it busy at most (its own work and callbacks' together). */
export const busyShare = 0.75;

/**
 * Paces a backfill against live callbacks: after each step (a page or a message handed to the intake)
 * it rests just long enough that the event loop was busy at most `busyShare` of the time since the
 * previous rest, callbacks' and deliveries' work included. A backfill within its quota on a gateway
 * with room to spare never waits here (the quota is its pace); one that would take the whole loop
 * leaves a quarter of it to callbacks, and more when callbacks keep it busy. At least one turn of the
 * event loop (I/O that arrived meanwhile is handled first), at most 100 ms.
 */
export function createPace(share = busyShare): { rest(): Promise<void> } {
  let mark = performance.eventLoopUtilization();
  let since = performance.now();
  return {
    async rest() {
      const busy = performance.eventLoopUtilization(mark).active;
      const restMs = Math.min(busy / share - (performance.now() - since), maxRestMs);
      await new Promise<void>((resolve) => (restMs < 1 ? setImmediate(resolve) : setTimeout(resolve, restMs)));
      mark = performance.eventLoopUtilization();
      since = performance.now();
    },
  };
}
