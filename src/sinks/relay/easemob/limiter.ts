import type Redis from 'ioredis';
import { z } from 'zod';
import { createQuotaLimiter, quotaSchema, type QuotaLimiter } from '../quota';

export type Endpoint = 'users' | 'chatgroups' | 'chatrooms';
export const endpoints: readonly Endpoint[] = ['users', 'chatgroups', 'chatrooms'];

/** The documented quotas per App Key (message_single/group/chatroom.md, limitationapi.md); lower them for a smaller plan. */
export const quotasSchema = z
  .strictObject({
    users: quotaSchema(100, 6000, 60, 600, 600).describe('1:1 sends: 100 calls/s, 6,000 messages/min, 600 users per call'),
    chatgroups: quotaSchema(20, 20, 1, 3, 3).describe('Group sends: 20 calls/s, 20 messages/s, 3 groups per call'),
    chatrooms: quotaSchema(20, 100, 1, 10, 10).describe('Chat room sends: 20 calls/s, 100 messages/s, 10 rooms per call'),
  })
  .prefault({});
export type Quotas = z.output<typeof quotasSchema>;

export type SendLimiter = QuotaLimiter<Endpoint>;

export interface LimiterOptions {
  readonly appKey: string;
  readonly quotas: Quotas;
  /** Shared across pods when given (quotas are per App Key, not per pod). */
  readonly redis?: Redis;
  /** Without Redis, the share of each quota this pod takes (e.g. 0.25 with four pods). */
  readonly podShare: number;
  readonly clock: () => number;
}

/** Easemob's quotas per App Key (../quota.ts), counted per window aligned to the clock, shared through Redis when given. */
export function createSendLimiter(options: LimiterOptions): SendLimiter {
  return createQuotaLimiter({ target: 'Easemob', key: options.appKey, quotas: options.quotas, redis: options.redis, podShare: options.podShare, clock: options.clock });
}
