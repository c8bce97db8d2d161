import { createQuota, realSleep, type Quota, type Sleep } from './quota';

/** A counter of calls shared by every pod (Redis), with this pod's own count as the fallback. */
export interface SharedLimiter {
  /** Whether the count is shared right now; false while Redis is away (this pod then counts its share alone). */
  shared(): boolean;
  /** Takes one call; or, when the limit is reached, takes nothing and returns the ms until the limiter's next window. Never waits. */
  take(): Promise<number | undefined>;
}

export interface SharedQuotaOptions {
  /** The rate of every pod together. */
  readonly perSecond: number;
  readonly burst?: number;
  /** The share of the rate this pod paces itself to while the limiter is not shared. */
  readonly podShare: number;
  readonly limiter: SharedLimiter;
  /** Times this pod's pacing (monotonic); the limiter keeps its own clock. */
  readonly clock?: () => number;
  readonly sleep?: Sleep;
}

/**
 * A quota shared by every pod: each call is paced by this pod's even stream (the whole rate while
 * the limiter is shared, so one pod alone may use it all; its share while it is not), then taken
 * from the shared limiter. A call the limiter refuses waits until the limiter's next window and asks
 * it again, keeping its place (another pacing slot would push every call after it back an interval
 * more), and the calls after it are paced from when it went. So the pods together never go over the
 * rate, and each goes evenly. An abort ends any wait at once.
 */
export function createSharedQuota(options: SharedQuotaOptions): Quota {
  const sleep = options.sleep ?? realSleep;
  const clock = options.clock ?? (() => performance.now());
  const pacing = (perSecond: number) => createQuota({ perSecond, sleep, clock, ...(options.burst === undefined ? {} : { burst: options.burst }) });
  const whole = pacing(options.perSecond);
  const share = pacing(options.perSecond * options.podShare);
  return {
    async take(signal) {
      const stream = options.limiter.shared() ? whole : share;
      await stream.take(signal);
      let refused = false;
      for (;;) {
        const wait = await options.limiter.take();
        if (wait === undefined) break;
        refused = true;
        await sleep(wait, signal);
      }
      if (refused) stream.wentAt(clock());
    },
  };
}
