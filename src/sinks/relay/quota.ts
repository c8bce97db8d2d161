import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { z } from 'zod';
import { RetryLaterError } from '../sink';
import { createTransitGuard, maxWindowGuardMs, windowGuardMs } from './transit-guard';

/** The quota of one send endpoint: calls per second, and messages (one per recipient) per window. */
export interface Quota {
  readonly callsPerSecond: number;
  readonly messages: number;
  readonly windowSeconds: number;
  readonly recipientsPerCall: number;
}

/** The config schema of one endpoint's quota, defaulting to a target's documented figures. */
export const quotaSchema = (calls: number, messages: number, windowSeconds: number, recipients: number, max: number) =>
  z
    .strictObject({
      callsPerSecond: z.number().int().min(1).default(calls).describe('Send calls per second'),
      messages: z.number().int().min(1).default(messages).describe('Messages (one per recipient) per window'),
      windowSeconds: z.number().int().min(1).max(3600).default(windowSeconds).describe('Length of the message window in seconds'),
      recipientsPerCall: z.number().int().min(1).max(max).default(recipients).describe('Recipients grouped into one call'),
    })
    .prefault({});

/** A call taken from a quota: when it was counted, and when the last window it was counted in ends. */
export interface Counted {
  readonly at: number;
  readonly until: number;
}

export interface QuotaLimiter<E extends string> {
  /** Takes one call and `recipients` messages of `endpoint`'s quota, or throws `RetryLaterError` with the wait. Never sleeps. */
  acquire(endpoint: E, recipients: number): Promise<Counted>;
  /**
   * Right before the call goes out: a call that may now reach the target after the last window it was
   * counted in (the gateway was held up between the count and the call) is counted again, as `acquire`;
   * otherwise `counted` stands.
   */
  leaving(endpoint: E, counted: Counted, recipients: number): Promise<Counted>;
  /** The target answered a call counted at `countedAt` (see `acquire`): its round trip sizes the window guard. */
  answered(countedAt: number): void;
  /** The target said the quota is used up (by someone else too): take no budget for `ms`. */
  pause(endpoint: E, ms: number): void;
  /**
   * The target refused a call for its quota: no budget for a full-jitter backoff ("Exponential Backoff
   * and Jitter") over `windowMs` doubled per strike, at most a minute and at least `floorMs`; returns
   * the wait. Refusals within one window of the last strike are the same burst (the calls that were out
   * together): they wait out its pause and add no strike, so eight calls refused at once do not make
   * the next wait 2⁸ windows.
   */
  refused(endpoint: E, backoff: { readonly windowMs: number; readonly floorMs: number; readonly random: () => number }): number;
  /** A call went through: the next refusal is the first strike again. */
  accepted(endpoint: E): void;
  /** Recipients one call may carry: the per-call maximum, or less when this pod's message quota is smaller. */
  maxRecipients(endpoint: E): number;
}

export interface QuotaLimiterOptions<E extends string> {
  /** The target's name in messages and Redis keys (`Easemob`, `Tencent`, `NetEase`). */
  readonly target: string;
  /** What the target counts quotas per (an App Key, an SDKAppID). */
  readonly key: string;
  readonly quotas: Readonly<Record<E, Quota>>;
  /** Shared across pods when given (quotas are per app, not per pod). */
  readonly redis?: Redis;
  /** Without Redis, the share of each quota this pod takes (e.g. 0.25 with four pods). */
  readonly podShare: number;
  readonly clock: () => number;
  /**
   * Whether callers report each call's answer (`answered`), which sizes the window guard to the round
   * trips seen (true by default). A caller that never does gets the least guard.
   */
  readonly reportsAnswers?: boolean;
}

/** The longest wait after refusals for a quota. */
const maxBackoffMs = 60_000;

/**
 * Client-side quotas with rate-limiter-flexible. Windows are fixed and aligned to the clock (the key
 * carries the window number), so every pod counts the same window, and a call is refused here before
 * the target would refuse it. With Redis the counters are shared by every pod; a Redis outage falls
 * back to the per-pod share (insurance limiter) rather than stopping the relay.
 */
export function createQuotaLimiter<E extends string>(options: QuotaLimiterOptions<E>): QuotaLimiter<E> {
  const { clock, target } = options;
  const transit = createTransitGuard(clock, options.reportsAnswers === false ? windowGuardMs : maxWindowGuardMs);
  const pausedUntil = new Map<E, number>();
  const strikes = new Map<E, { count: number; at: number }>();
  const pause = (endpoint: E, ms: number): void => void pausedUntil.set(endpoint, Math.max(pausedUntil.get(endpoint) ?? 0, clock() + ms));
  const share = (points: number) => Math.max(1, Math.floor(points * options.podShare));
  const prefix = `imgw-${target.toLowerCase()}`;
  const build = (name: string, points: number, windowSeconds: number): RateLimiterAbstract => {
    const local = new RateLimiterMemory({ keyPrefix: `${prefix}-${name}`, points: share(points), duration: windowSeconds + 1 });
    if (!options.redis) return local;
    return new RateLimiterRedis({ storeClient: options.redis, keyPrefix: `${prefix}-${name}`, points, duration: windowSeconds + 1, rejectIfRedisNotReady: true, insuranceLimiter: local });
  };
  const limiters = new Map<E, { calls: RateLimiterAbstract; messages: RateLimiterAbstract; windowMs: number }>();
  for (const endpoint of Object.keys(options.quotas) as E[]) {
    const q = options.quotas[endpoint];
    limiters.set(endpoint, { calls: build(`${endpoint}-calls`, q.callsPerSecond, 1), messages: build(`${endpoint}-messages`, q.messages, q.windowSeconds), windowMs: q.windowSeconds * 1000 });
  }
  const limiterOf = (endpoint: E) => {
    const found = limiters.get(endpoint);
    if (!found) throw new Error(`${target}: no quota for ${endpoint}`);
    return found;
  };

  /**
   * Consumes `points` in the aligned window and returns the keys it took them from, or returns the ms
   * until that window ends (the points given back). A call this close to the window's end that it may
   * reach the target in the next window (the transit guard) also takes its points from the next
   * window, so the target never counts more than its quota in one window: holding such calls instead
   * would put a wait on every call at the edge.
   */
  async function take(limiter: RateLimiterAbstract, windowMs: number, points: number, now: number): Promise<{ readonly keys: string[]; readonly until: number } | { readonly wait: number }> {
    const window = Math.floor(now / windowMs);
    const left = (window + 1) * windowMs - now;
    const windows = left <= transit.guardMs() ? [window, window + 1] : [window];
    const keys = windows.map((w) => `${options.key}:${w}`);
    const taken: string[] = [];
    try {
      for (const key of keys) {
        await limiter.consume(key, points);
        taken.push(key);
      }
      return { keys, until: ((windows.at(-1) as number) + 1) * windowMs };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      await giveBack(limiter, [...taken, keys[taken.length] as string], points);
      return { wait: left };
    }
  }
  const giveBack = (limiter: RateLimiterAbstract, keys: readonly string[], points: number) => Promise.all(keys.map((key) => limiter.reward(key, points).catch(() => undefined)));

  const limiter: QuotaLimiter<E> = {
    async acquire(endpoint, recipients) {
      const paused = (pausedUntil.get(endpoint) ?? 0) - clock();
      if (paused > 0) throw new RetryLaterError(`${target} ${endpoint} quota used up; waiting ${paused} ms`, paused);
      const { calls, messages, windowMs } = limiterOf(endpoint);
      const now = clock();
      const call = await take(calls, 1000, 1, now);
      if ('wait' in call) throw new RetryLaterError(`${target} ${endpoint} calls per second reached; waiting ${call.wait} ms`, call.wait);
      const message = await take(messages, windowMs, recipients, now);
      if ('wait' in message) {
        await giveBack(calls, call.keys, 1);
        throw new RetryLaterError(`${target} ${endpoint} messages per ${windowMs / 1000} s reached; waiting ${message.wait} ms`, message.wait);
      }
      return { at: now, until: call.until };
    },
    // The stale count's points are not given back: its windows may be over, and a re-count is rare.
    leaving: (endpoint, counted, recipients) => (clock() + transit.guardMs() < counted.until ? Promise.resolve(counted) : limiter.acquire(endpoint, recipients)),
    answered: transit.answered,
    maxRecipients(endpoint) {
      const q = options.quotas[endpoint];
      return Math.min(q.recipientsPerCall, options.redis ? q.messages : share(q.messages));
    },
    pause,
    refused(endpoint, { windowMs, floorMs, random }) {
      const now = clock();
      const last = strikes.get(endpoint);
      if (last !== undefined && now - last.at < windowMs) return Math.max(floorMs, (pausedUntil.get(endpoint) ?? 0) - now);
      const count = (last?.count ?? 0) + 1;
      strikes.set(endpoint, { count, at: now });
      const delay = Math.max(floorMs, Math.round(random() * Math.min(maxBackoffMs, windowMs * 2 ** count)));
      pause(endpoint, delay);
      return delay;
    },
    accepted(endpoint) {
      strikes.delete(endpoint);
    },
  };
  return limiter;
}
