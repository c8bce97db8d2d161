import { z } from 'zod';
import { conversationTargetsSchema } from '../conversations';
import { relayIdentity, relaySink } from '../relay-sink';
import { relaySettings } from '../settings';
import { quotaRedis, readSecretFile } from '../setup';
import { defineSink } from '../../definition';
import { deliverySettings, type DeliveryDefaults, type Sink, type SinkDeps } from '../../sink';
import { createNeteaseClient } from './client';
import { createSendLimiter, quotasSchema } from './limiter';
import { planSends, type Step } from './plan';

/** An accid, team id or chat-room id on NetEase (accids up to 32 characters; ids are numbers as text). */
const neteaseId = z.string().min(1).max(64);

/** The common sizes, as for every relay target: the quota sets the pace within one write at a time. */
const neteaseDelivery: DeliveryDefaults = { batchSize: 1000, maxBatchBytes: 1024 * 1024, lingerMs: 0, concurrency: 1, timeoutMs: 10_000 };

export const neteaseSinkConfig = z
  .strictObject({
    type: z.literal('netease'),
    ...deliverySettings(neteaseDelivery),
    baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.netease.im').describe("The server API's domain (https://api.netease.im; https://api.yunxinapi.com)"),
    appKey: z.string().min(1).max(64).describe('AppKey of the target app'),
    appSecret: z.string().min(1).optional().describe('AppSecret of the target app (or appSecretFile)'),
    appSecretFile: z.string().min(1).optional().describe('File holding the AppSecret (a mounted Kubernetes secret)'),
    quotas: quotasSchema.describe("Client-side quotas per AppKey; set your plan's figures"),
    from: neteaseId.optional().describe('Sender accid on NetEase; unset = the original sender (mapped by targets.senders)'),
    targets: conversationTargetsSchema(neteaseId),
    ...relaySettings,
  })
  .check((ctx) => {
    if ((ctx.value.appSecret === undefined) === (ctx.value.appSecretFile === undefined)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['appSecret'], message: 'set exactly one of appSecret and appSecretFile' });
    }
  });

export type NeteaseSinkConfig = z.output<typeof neteaseSinkConfig>;

/**
 * Relays neutral messages to NetEase Yunxin over its server API (`msg/sendMsg.action` for users and
 * teams, `chatroom/sendMsg.action` for chat rooms; form-encoded, signed with AppKey, Nonce, CurTime and
 * CheckSum): to the user, team or chat room each source conversation maps to, one send per element,
 * the signed relay marker in `ext`. The write loop, journal and duplicate bounds are those of every relay
 * target (../runner.ts); quotas per AppKey are shared through Redis.
 */
export async function createNeteaseSink(config: NeteaseSinkConfig, deps: SinkDeps, clock: () => number = Date.now): Promise<Sink> {
  const identity = relayIdentity('netease', config, deps);
  const appSecret = config.appSecret ?? (await readSecretFile(config.appSecretFile as string, 'netease sink: appSecretFile'));
  const redis = quotaRedis(config.redisUrl);
  const limiter = createSendLimiter({ appKey: config.appKey, quotas: config.quotas, redis, podShare: config.podShare, clock });
  const client = createNeteaseClient({ baseUrl: config.baseUrl, appKey: config.appKey, appSecret, limiter, requestTimeoutMs: config.requestTimeoutMs, clock });
  return relaySink({
    type: 'netease',
    target: 'NetEase',
    identity,
    settings: config,
    dataDir: deps.dataDir,
    clock,
    redis,
    plan: (message) => planSends(message, config, identity.relayKeys),
    send: (step: Step, signal, beforeCall) => client.send(step.endpoint, step.form, signal, beforeCall),
  });
}

export const neteaseSink = defineSink({ config: neteaseSinkConfig, delivery: neteaseDelivery, create: (config, deps) => createNeteaseSink(config, deps, deps.clock) });
