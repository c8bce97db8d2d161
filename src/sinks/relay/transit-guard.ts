/** The least window guard: what loopback and a quiet network need. */
export const windowGuardMs = 50;

/** The most: a quarter of a one-second window, whatever the round trips. */
export const maxWindowGuardMs = 250;

/** How long a slow round trip keeps the guard wide (two buckets of this length are kept). */
const memoryMs = 10_000;

/**
 * How close to a window's end a call may also be counted by the target in the next window: a target
 * counts a call when it arrives, which is up to a round trip after the gateway counted it (a network
 * path, a busy gateway or a busy target). The guard is the longest round trip of the last 10–20 s,
 * at least `windowGuardMs`, at most `maxWindowGuardMs`.
 */
export function createTransitGuard(clock: () => number): { answered(countedAt: number): void; guardMs(): number } {
  let bucket = -1;
  let current = 0;
  let previous = 0;
  const roll = (): void => {
    const now = Math.floor(clock() / memoryMs);
    if (now === bucket) return;
    previous = now === bucket + 1 ? current : 0;
    current = 0;
    bucket = now;
  };
  return {
    answered(countedAt) {
      roll();
      current = Math.max(current, clock() - countedAt);
    },
    guardMs() {
      roll();
      return Math.min(maxWindowGuardMs, Math.max(windowGuardMs, current, previous));
    },
  };
}
