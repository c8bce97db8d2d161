import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { createQuota, quotaPerKey, type BackfillQuotaSettings, type QuotaRate, type QuotaSource, type Sleep } from '../backfill/quota';
import { createSharedQuota, type SharedLimiter } from '../backfill/shared-quota';
import { createQuotaLimiter, type Quota as WindowQuota } from '../sinks/relay/quota';
import { quotaRedis } from '../sinks/relay/setup';
import { RetryLaterError } from '../sinks/sink';
import type { Stops } from './stops';

/** How this pod's calls are paced: by default `performance.now` and real timers (tests move their own time). */
export interface Pacing {
  readonly clock: () => number;
  readonly sleep: Sleep;
}

/**
 * The windows a history quota is counted in (aligned to the clock, the same on every pod and at the
 * vendor): whole calls a second, or, for a rate under one call a second (Easemob's calls a minute), one call in each
 * window of ⌈1/rate⌉ seconds, so the pods together go evenly there too.
 */
export function windowQuota(perSecond: number): WindowQuota {
  if (perSecond >= 1) {
    const calls = Math.floor(perSecond);
    return { callsPerSecond: calls, messages: calls, windowSeconds: 1, recipientsPerCall: 1 };
  }
  // The epsilon keeps 60 / 5 from rounding up to 13 through floating point.
  return { callsPerSecond: 1, messages: 1, windowSeconds: Math.ceil(1 / perSecond - 1e-9), recipientsPerCall: 1 };
}

/**
 * The relay's limiter (rate-limiter-flexible) for one history API, counted in the vendor's windows:
 * whole seconds of the clock, and a call this close to a second's end that it may arrive in the next
 * is counted in both (the window guard). Every call is counted when it leaves, so calls a busy event
 * loop held up and then let go together are counted in the second they go in, and a pod never sends
 * more in one of the vendor's seconds than the limit. With Redis the count is every pod's (this pod's
 * share in memory while Redis is away), and calls wait for the first answer of the connection
 * (`contact`): calls counted in memory before it would be unknown to Redis, on top of the other pods'
 * full count. Without Redis it is this pod's share, in memory.
 */
function windowLimiter(key: { app: string; api: string }, perSecond: number, podShare: number, clock: () => number, redis?: { client: Redis; contact: Promise<void> }): SharedLimiter {
  const limiter = createQuotaLimiter({ target: 'backfill', key: key.app, quotas: { [key.api]: windowQuota(perSecond) }, ...(redis && { redis: redis.client }), podShare, clock, reportsAnswers: false });
  return {
    shared: () => redis?.client.status === 'ready',
    async take() {
      await redis?.contact;
      try {
        await limiter.acquire(key.api, 1);
        return undefined;
      } catch (error) {
        if (error instanceof RetryLaterError) return error.retryAfterMs;
        throw error;
      }
    },
  };
}

/** Logs when Redis is first reached, once when it goes away (or cannot be reached at the start) and once when it is back, not at every reconnect attempt. */
function watchRedis(redis: Redis, podShare: number, logger: Logger): { closing(): void; contact: Promise<void> } {
  let state: 'starting' | 'shared' | 'away' | 'closing' = 'starting';
  const contact = new Promise<void>((resolve) => redis.once('ready', resolve).once('close', resolve));
  redis.on('ready', () => {
    if (state === 'starting') logger.info('Redis reached: the backfill history quotas are shared by every pod');
    if (state === 'away') logger.info('Redis is back: the backfill history quotas are shared by every pod again');
    if (state !== 'closing') state = 'shared';
  });
  redis.on('close', () => {
    if (state === 'starting' || state === 'shared') logger.warn({ podShare }, "Redis is away: each backfill history quota falls back to this pod's share (BACKFILL_POD_SHARE) until it is back");
    if (state !== 'closing') state = 'away';
  });
  return { closing: () => void (state = 'closing'), contact };
}

/**
 * The quotas of every backfill history client, one per vendor, app and API, each counted in fixed
 * windows aligned to the clock (`windowLimiter`). With a Redis URL the count is shared by every pod;
 * while Redis is away each pod falls back to its share of the rate, and uses the shared count again
 * once it is back. Without one, each pod paces itself to its share and counts it alone. The Redis client is made on the first ask
 * (none when no backfill is configured) and closed by a stop step.
 */
export function backfillQuotas(settings: BackfillQuotaSettings, deps: { logger: Logger; clock: () => number; stops: Stops; pacing?: Pacing }): QuotaSource {
  const { redisUrl, podShare } = settings;
  const burst = (rate: QuotaRate) => (rate.burst === undefined ? {} : { burst: rate.burst });
  if (redisUrl === undefined) {
    // This pod's count is in the real clock's seconds, as the vendor's is, and as its calls are timed;
    // the service's clock may be one that tests of schedules move by hours. A rate under one call a
    // second (Easemob's calls a minute) is the even stream with its burst alone: its calls are seconds
    // apart, so none crowds a window, and the burst is what the vendor's minute allows.
    const windows = deps.pacing?.clock ?? Date.now;
    return quotaPerKey((key, rate) => {
      if (rate.perSecond < 1) return createQuota({ perSecond: rate.perSecond * podShare, ...deps.pacing, ...burst(rate) });
      // Paced at the whole calls a second this pod's windows hold, so the stream never runs into its count.
      const perSecond = Math.max(1, Math.floor(windowQuota(rate.perSecond).callsPerSecond * podShare));
      return createSharedQuota({ perSecond, podShare: 1, limiter: windowLimiter(key, rate.perSecond, podShare, windows), ...deps.pacing, ...burst(rate) });
    });
  }
  let redis: { client: Redis; contact: Promise<void>; closing(): void } | undefined;
  const client = () => {
    if (redis === undefined) {
      const made = quotaRedis(redisUrl) as Redis;
      redis = { client: made, ...watchRedis(made, podShare, deps.logger) };
    }
    return redis;
  };
  // Registered now, so it runs after the stops of the parts that take from these quotas.
  deps.stops.add('backfill quotas', () => {
    redis?.closing();
    redis?.client.disconnect();
  });
  return quotaPerKey((key, rate) => {
    const limiter = windowLimiter(key, rate.perSecond, podShare, deps.clock, client());
    return createSharedQuota({ perSecond: rate.perSecond, podShare, limiter, ...deps.pacing, ...burst(rate) });
  });
}
