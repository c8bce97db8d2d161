import { z } from 'zod';

/** The settings every relay target has besides its own: how it sends, paces and remembers (README "Relay"). */
export const relaySettings = {
  requestTimeoutMs: z.number().int().min(100).default(5000).describe('A send without an answer after this long counts as unanswered (see unansweredResends)'),
  redisUrl: z.url({ protocol: /^rediss?$/ }).optional().describe('Share the quotas with every pod through Redis'),
  podShare: z.number().gt(0).max(1).default(1).describe('Without Redis: the share of each quota this pod takes (1 / number of pods)'),
  parallelSends: z.number().int().min(1).max(64).default(8).describe('Conversations sent at once within a write; the messages of one conversation stay in order'),
  journalRetentionMs: z.number().int().min(60_000).default(2 * 86_400_000).describe('How long accepted sends are remembered, so a redelivered event skips them'),
  journalMaxBytes: z.number().int().min(0).default(512 * 1024 ** 2).describe('Bytes the send journal may hold; over it the oldest entries go first; 0 = no bound'),
  unansweredResends: z.number().int().min(0).max(3).default(1).describe('How often a send whose answer never came (timeout, broken connection, abort) is made again; 0 = never (it may then be lost). A call cut short by a crash is made again once after the restart'),
};
