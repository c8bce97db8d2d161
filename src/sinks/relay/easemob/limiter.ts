import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { z } from 'zod';
import { RetryLaterError } from '../../sink';

export type Endpoint = 'users' | 'chatgroups' | 'chatrooms';
export const endpoints: readonly Endpoint[] = ['users', 'chatgroups', 'chatrooms'];

const quota = (calls: number, messages: number, windowSeconds: number, recipients: number, max: number) =>
  z
    .strictObject({
      callsPerSecond: z.number().int().min(1).default(calls).describe('Send calls per second'),
      messages: z.number().int().min(1).default(messages).describe('Messages (one per recipient) per window'),
      windowSeconds: z.number().int().min(1).max(3600).default(windowSeconds).describe('Length of the message window in seconds'),
      recipientsPerCall: z.number().int().min(1).max(max).default(recipients).describe('Recipients grouped into one call'),
    })
    .prefault({});

/** The documented quotas per App Key (message_single/group/chatroom.md, limitationapi.md); lower them for a smaller plan. */
export const quotasSchema = z
  .strictObject({
    users: quota(100, 6000, 60, 600, 600).describe('1:1 sends: 100 calls/s, 6,000 messages/min, 600 users per call'),
    chatgroups: quota(20, 20, 1, 3, 3).describe('Group sends: 20 calls/s, 20 messages/s, 3 groups per call'),
    chatrooms: quota(20, 100, 1, 10, 10).describe('Chat room sends: 20 calls/s, 100 messages/s, 10 rooms per call'),
  })
  .prefault({});
export type Quotas = z.output<typeof quotasSchema>;

export interface SendLimiter {
  /** Takes one call and `recipients` messages of `endpoint`'s quota, or throws `RetryLaterError` with the wait. Never sleeps. */
  acquire(endpoint: Endpoint, recipients: number): Promise<void>;
  /** Easemob said the quota is used up (by someone else too): take no budget for `ms`. */
  pause(endpoint: Endpoint, ms: number): void;
  /** Recipients one call may carry: the per-call maximum, or less when this pod's message quota is smaller. */
  maxRecipients(endpoint: Endpoint): number;
}

export interface LimiterOptions {
  readonly appKey: string;
  readonly quotas: Quotas;
  /** Shared across pods when given (quotas are per App Key, not per pod). */
  readonly redis?: Redis;
  /** Without Redis, the share of each quota this pod takes (e.g. 0.25 with four pods). */
  readonly podShare: number;
  readonly clock: () => number;
}

/**
 * Client-side quotas with rate-limiter-flexible. Windows are fixed and aligned to the clock (the key
 * carries the window number), so every pod counts the same window, and a call is refused here before
 * Easemob would refuse it. With Redis the counters are shared by every pod; a Redis outage falls back
 * to the per-pod share (insurance limiter) rather than stopping the relay.
 */
export function createSendLimiter(options: LimiterOptions): SendLimiter {
  const { clock } = options;
  const pausedUntil = new Map<Endpoint, number>();
  const share = (points: number) => Math.max(1, Math.floor(points * options.podShare));
  const build = (name: string, points: number, windowSeconds: number): RateLimiterAbstract => {
    const local = new RateLimiterMemory({ keyPrefix: `imgw-easemob-${name}`, points: share(points), duration: windowSeconds + 1 });
    if (!options.redis) return local;
    return new RateLimiterRedis({ storeClient: options.redis, keyPrefix: `imgw-easemob-${name}`, points, duration: windowSeconds + 1, rejectIfRedisNotReady: true, insuranceLimiter: local });
  };
  const limiters = Object.fromEntries(
    endpoints.map((endpoint) => {
      const q = options.quotas[endpoint];
      return [endpoint, { calls: build(`${endpoint}-calls`, q.callsPerSecond, 1), messages: build(`${endpoint}-messages`, q.messages, q.windowSeconds), windowMs: q.windowSeconds * 1000 }];
    }),
  ) as Record<Endpoint, { calls: RateLimiterAbstract; messages: RateLimiterAbstract; windowMs: number }>;

  /** Consumes `points` in the aligned window, or returns the ms until that window ends (the points given back). */
  async function take(limiter: RateLimiterAbstract, windowMs: number, points: number): Promise<number | undefined> {
    const now = clock();
    const window = Math.floor(now / windowMs);
    const key = `${options.appKey}:${window}`;
    try {
      await limiter.consume(key, points);
      return undefined;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      await limiter.reward(key, points).catch(() => undefined);
      return (window + 1) * windowMs - now;
    }
  }

  return {
    async acquire(endpoint, recipients) {
      const paused = (pausedUntil.get(endpoint) ?? 0) - clock();
      if (paused > 0) throw new RetryLaterError(`Easemob ${endpoint} quota used up; waiting ${paused} ms`, paused);
      const { calls, messages, windowMs } = limiters[endpoint];
      const callWait = await take(calls, 1000, 1);
      if (callWait !== undefined) throw new RetryLaterError(`Easemob ${endpoint} calls per second reached; waiting ${callWait} ms`, callWait);
      const messageWait = await take(messages, windowMs, recipients);
      if (messageWait !== undefined) {
        await calls.reward(`${options.appKey}:${Math.floor(clock() / 1000)}`, 1).catch(() => undefined);
        throw new RetryLaterError(`Easemob ${endpoint} messages per ${windowMs / 1000} s reached; waiting ${messageWait} ms`, messageWait);
      }
    },
    maxRecipients(endpoint) {
      const q = options.quotas[endpoint];
      return Math.min(q.recipientsPerCall, options.redis ? q.messages : share(q.messages));
    },
    pause(endpoint, ms) {
      pausedUntil.set(endpoint, Math.max(pausedUntil.get(endpoint) ?? 0, clock() + ms));
    },
  };
}
