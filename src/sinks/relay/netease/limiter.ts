import type Redis from 'ioredis';
import { z } from 'zod';
import { createQuotaLimiter, quotaSchema, type QuotaLimiter } from '../quota';

/** The send APIs the relay calls: one-to-one and team messages (one URL, `ope` 0 or 1) and chat-room messages. */
export type Endpoint = 'p2p' | 'team' | 'chatroom';

export const endpointPaths: Readonly<Record<Endpoint, string>> = {
  p2p: 'nimserver/msg/sendMsg.action',
  team: 'nimserver/msg/sendMsg.action',
  chatroom: 'nimserver/chatroom/sendMsg.action',
};

/**
 * NetEase sets send frequencies per plan (频控说明: the standard plan's default for the single-call
 * categories is 100/s); the message category's figure for a given plan is not on a page we could read,
 * so 100 calls/s is the default here: set your plan's figure. One message per call.
 */
const perApi = () => quotaSchema(100, 100, 1, 1, 1);

export const quotasSchema = z
  .strictObject({
    p2p: perApi().describe('One-to-one sends (sendMsg.action, ope 0)'),
    team: perApi().describe('Team sends (sendMsg.action, ope 1)'),
    chatroom: perApi().describe('Chat-room sends (chatroom/sendMsg.action)'),
  })
  .prefault({});
export type Quotas = z.output<typeof quotasSchema>;

export type SendLimiter = QuotaLimiter<Endpoint>;

export function createSendLimiter(options: { appKey: string; quotas: Quotas; redis?: Redis; podShare: number; clock: () => number }): SendLimiter {
  return createQuotaLimiter({ target: 'NetEase', key: options.appKey, quotas: options.quotas, redis: options.redis, podShare: options.podShare, clock: options.clock });
}
