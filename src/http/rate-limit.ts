/**
 * A token bucket: `ratePerSecond` tokens a second, holding at most one second's worth (the burst).
 * `take()` is false when the bucket is empty. A rate of 0 never limits.
 */
export function createRateLimiter(ratePerSecond: number, clock: () => number = Date.now) {
  let tokens = ratePerSecond;
  let last = clock();
  return {
    take(): boolean {
      if (ratePerSecond <= 0) return true;
      const now = clock();
      tokens = Math.min(ratePerSecond, tokens + ((now - last) / 1000) * ratePerSecond);
      last = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
