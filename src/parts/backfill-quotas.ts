import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { localQuotas, quotaPerKey, type BackfillQuotaSettings, type QuotaSource, type Sleep } from '../backfill/quota';
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
 * The windows the shared count is kept in (aligned to the clock, the same on every pod): whole calls
 * a second, or, for a rate under one call a second (Easemob's calls a minute), one call in each
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
 * The relay's limiter (rate-limiter-flexible: Redis, this pod's share in memory while Redis is away)
 * for one history API. Calls wait for the first answer of the connection (`contact`): calls counted
 * in memory before it would be unknown to Redis, on top of the other pods' full count.
 */
function sharedLimiter(redis: { client: Redis; contact: Promise<void> }, key: { app: string; api: string }, perSecond: number, podShare: number, clock: () => number): SharedLimiter {
  const limiter = createQuotaLimiter({ target: 'backfill', key: key.app, quotas: { [key.api]: windowQuota(perSecond) }, redis: redis.client, podShare, clock, reportsAnswers: false });
  return {
    shared: () => redis.client.status === 'ready',
    async take() {
      await redis.contact;
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
 * The quotas of every backfill history client, one per vendor, app and API. With a Redis URL they
 * are shared by every pod (a fixed window per API and app, aligned to the clock); while Redis is
 * away each pod falls back to its share of the rate, and uses the shared count again once it is
 * back. Without one, each pod paces itself to its share. The Redis client is made on the first ask
 * (none when no backfill is configured) and closed by a stop step.
 */
export function backfillQuotas(settings: BackfillQuotaSettings, deps: { logger: Logger; clock: () => number; stops: Stops; pacing?: Pacing }): QuotaSource {
  const { redisUrl, podShare } = settings;
  if (redisUrl === undefined) return localQuotas(podShare);
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
    const limiter = sharedLimiter(client(), key, rate.perSecond, podShare, deps.clock);
    return createSharedQuota({ perSecond: rate.perSecond, podShare, limiter, ...deps.pacing, ...(rate.burst === undefined ? {} : { burst: rate.burst }) });
  });
}
