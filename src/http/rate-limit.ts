/**
 * A token bucket: `ratePerSecond` tokens a second, holding at most one second's worth and never less
 * than one token (the burst), so a rate below 1/s still lets a callback through now and then.
 * `take()` is false when the bucket is empty. A rate of 0 never limits.
 */
export function createRateLimiter(ratePerSecond: number, clock: () => number = Date.now) {
  const burst = Math.max(1, ratePerSecond);
  let tokens = burst;
  let last = clock();
  return {
    take(): boolean {
      if (ratePerSecond <= 0) return true;
      const now = clock();
      tokens = Math.min(burst, tokens + (Math.max(0, now - last) / 1000) * ratePerSecond);
      last = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
