/** The least window guard: what loopback and a quiet network need. */
export const windowGuardMs = 50;

/** The most: a quarter of a one-second window, whatever the round trips. */
export const maxWindowGuardMs = 250;

/** How long a slow round trip keeps the guard wide (two buckets of this length are kept). */
const memoryMs = 10_000;

/** No answer in the bucket. */
const none = -1;

/**
 * How close to a window's end a call may also be counted by the target in the next window: a target
 * counts a call when it arrives, which is up to a round trip after the gateway counted it (a network
 * path, a busy gateway or a busy target). The guard is the longest round trip of the last 10–20 s,
 * at least `windowGuardMs`, at most `maxWindowGuardMs`; with no answer in that time (a gateway just
 * started, whose first calls also load and compile the HTTP client and open connections, or one that
 * was idle) nothing is known of the round trips, and the guard is `unknownMs`: `maxWindowGuardMs` for
 * callers that report their answers, `windowGuardMs` for one that never does (it would otherwise
 * lose a quarter of every window for good).
 */
export function createTransitGuard(clock: () => number, unknownMs = maxWindowGuardMs): { answered(countedAt: number): void; guardMs(): number } {
  let bucket = -1;
  let current = none;
  let previous = none;
  const roll = (): void => {
    const now = Math.floor(clock() / memoryMs);
    if (now === bucket) return;
    previous = now === bucket + 1 ? current : none;
    current = none;
    bucket = now;
  };
  return {
    answered(countedAt) {
      roll();
      current = Math.max(current, clock() - countedAt);
    },
    guardMs() {
      roll();
      const longest = Math.max(current, previous);
      return longest === none ? unknownMs : Math.min(maxWindowGuardMs, Math.max(windowGuardMs, longest));
    },
  };
}
