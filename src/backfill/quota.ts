/**
 * A client-side quota: at most `perSecond` calls a second, in an even stream (one call every
 * 1/perSecond s, a burst of `burst` after a pause). `take` resolves when the caller may make its
 * call. Time is injected (`clock`, `sleep`) so tests and the benchmark control it.
 */
export function createQuota(options: { perSecond: number; burst?: number; clock?: () => number; sleep?: (ms: number) => Promise<void> }) {
  const interval = 1000 / options.perSecond;
  const burst = options.burst ?? 1;
  const clock = options.clock ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  /** When the next call may start (ms on `clock`); calls are spaced `interval` apart. */
  let next = -Infinity;
  return {
    async take(): Promise<void> {
      const now = clock();
      next = Math.max(next, now - (burst - 1) * interval);
      const at = next;
      next += interval;
      if (at > now) await sleep(at - now);
    },
  };
}

export type Quota = ReturnType<typeof createQuota>;
