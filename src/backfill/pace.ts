import { performance } from 'node:perf_hooks';
import { backgroundTurn } from '../pipeline/background-turns';

/** The longest rest between two steps of a backfill. */
const maxRestMs = 100;

/**
 * The share of the event loop's time a backfill leaves it busy at most (its own work and callbacks'
 * together). At 0.6 rather than 0.75, callbacks' p99 during a 100,000-message fill was about a tenth
 * lower and never above 28.4 ms (against up to 40.7), the fill no slower (bench/README, backfill).
 */
export const busyShare = 0.6;

/** What the pace reads of the event loop: the time now and the loop's busy time so far, both in milliseconds. */
export interface LoopMeter {
  now(): number;
  busyMs(): number;
}

/** The process's own event loop: `performance.now()` and the active time of its utilisation. */
export const processLoop: LoopMeter = {
  now: () => performance.now(),
  busyMs: () => performance.eventLoopUtilization().active,
};

/** A rest of `ms` (a timer from a millisecond on), then a background turn of the event loop: I/O that arrived meanwhile runs first. */
export const waitFor = async (ms: number): Promise<void> => {
  if (ms >= 1) await new Promise<void>((resolve) => setTimeout(resolve, ms));
  await backgroundTurn();
};

export interface PaceOptions {
  readonly share?: number;
  readonly loop?: LoopMeter;
  readonly wait?: (ms: number) => Promise<void>;
}

export interface Pace {
  rest(): Promise<void>;
}

/**
 * Paces a backfill against live callbacks: after each step (a page handed to the intake)
 * it rests just long enough that the event loop was busy at most `share` of the time since the
 * previous rest, callbacks' and deliveries' work included. A backfill within its quota on a gateway
 * with room to spare never waits here (the quota is its pace); one that would take the whole loop
 * leaves 40 % of it to callbacks, and more when callbacks keep it busy. At least one turn of the
 * event loop, at most 100 ms. Steps that run side by side (conversations read at once) share one
 * pace: a step that asks for a rest while another rests joins that rest, so they all pause together
 * and the loop's busy share holds for all of them, not for each.
 */
export function createPace({ share = busyShare, loop = processLoop, wait = waitFor }: PaceOptions = {}): Pace {
  let busyMark = loop.busyMs();
  let since = loop.now();
  let resting: Promise<void> | undefined;
  return {
    rest() {
      if (resting !== undefined) return resting;
      let settled = false;
      const current = (async () => {
        try {
          const busy = loop.busyMs() - busyMark;
          await wait(Math.max(0, Math.min(busy / share - (loop.now() - since), maxRestMs)));
        } finally {
          busyMark = loop.busyMs();
          since = loop.now();
          settled = true;
          resting = undefined;
        }
      })();
      // A rest that failed before it first waited has settled already: the next one is a rest of its own.
      if (!settled) resting = current;
      return current;
    },
  };
}
