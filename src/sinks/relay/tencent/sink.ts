import { z } from 'zod';
import { conversationTargetsSchema } from '../conversations';
import { relayIdentity, relaySink } from '../relay-sink';
import { relaySettings } from '../settings';
import { quotaRedis, readSecretFile } from '../setup';
import { defineSink } from '../../definition';
import { deliverySettings, type DeliveryDefaults, type Sink, type SinkDeps } from '../../sink';
import { createTencentClient } from './client';
import { relayElementsSchema } from './elements';
import { createSendLimiter, quotasSchema } from './limiter';
import { planSends, type Step } from './plan';
import { createUserSigs } from './usersig';

/** The REST domain of each data centre (REST API overview, https://cloud.tencent.com/document/product/269/1519). */
export const tencentRegions = {
  china: 'https://console.tim.qq.com',
  singapore: 'https://adminapisgp.im.qcloud.com',
  seoul: 'https://adminapikr.im.qcloud.com',
  frankfurt: 'https://adminapiger.im.qcloud.com',
  siliconvalley: 'https://adminapiusa.im.qcloud.com',
  jakarta: 'https://adminapiidn.im.qcloud.com',
} as const;

/** A UserID or group id on Tencent (UserIDs up to 32 bytes, group ids up to 48). */
const tencentId = z.string().min(1).max(48);

/** The common sizes, as for every relay target: the quota sets the pace within one write at a time. */
const tencentDelivery: DeliveryDefaults = { batchSize: 1000, maxBatchBytes: 1024 * 1024, lingerMs: 0, concurrency: 1, timeoutMs: 10_000 };

export const tencentSinkConfig = z
  .strictObject({
    type: z.literal('tencent'),
    ...deliverySettings(tencentDelivery),
    region: z.enum(Object.keys(tencentRegions) as [keyof typeof tencentRegions]).default('china').describe("The app's data centre (its REST domain)"),
    baseUrl: z.url({ protocol: /^https?$/ }).optional().describe('The REST domain, overriding region (a proxy, a test stand-in)'),
    sdkAppId: z.number().int().positive().describe('SDKAppID of the target app'),
    identifier: z.string().min(1).max(32).default('administrator').describe('An App admin account the calls are made as'),
    secretKey: z.string().min(1).optional().describe('The app key UserSigs are made with (or secretKeyFile)'),
    secretKeyFile: z.string().min(1).optional().describe('File holding the app key (a mounted Kubernetes secret)'),
    userSigTtlSeconds: z.number().int().min(600).default(7 * 86_400).describe('Lifetime of each admin UserSig; a new one is made at half of it'),
    mode: z.enum(['send', 'import']).default('send').describe('send: live messages; import: a migration (original time and sender, no notification, no unread count)'),
    quotas: quotasSchema.describe('Client-side quotas per SDKAppID; the defaults are the documented ones'),
    from: tencentId.optional().describe('Sender UserID on Tencent; unset = the original sender (mapped by targets.senders)'),
    targets: conversationTargetsSchema(tencentId),
    elements: relayElementsSchema,
    syncOtherMachine: z.boolean().default(false).describe("One-to-one sends also reach the sender's devices and roaming (SyncOtherMachine 1)"),
    silent: z.boolean().default(false).describe('No offline push (OfflinePushInfo.PushFlag 1)'),
    ...relaySettings,
  })
  .check((ctx) => {
    if ((ctx.value.secretKey === undefined) === (ctx.value.secretKeyFile === undefined)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['secretKey'], message: 'set exactly one of secretKey and secretKeyFile' });
    }
  });

export type TencentSinkConfig = z.output<typeof tencentSinkConfig>;

/**
 * Relays neutral messages to Tencent Cloud IM over its REST API (`sendmsg`, `send_group_msg`, or the
 * import commands with `mode: import`) as an App admin with a locally made UserSig: to the user, group
 * or chat room each source conversation maps to, all elements of a message in one call, the signed
 * relay marker in `CloudCustomData`. The write loop, journal and duplicate bounds are those of every
 * relay target (../runner.ts); quotas are Tencent's 200 calls/s per command, shared through Redis.
 */
export async function createTencentSink(config: TencentSinkConfig, deps: SinkDeps, clock: () => number = Date.now): Promise<Sink> {
  const identity = relayIdentity('tencent', config, deps);
  const secretKey = config.secretKey ?? (await readSecretFile(config.secretKeyFile as string, 'tencent sink: secretKeyFile'));
  const redis = quotaRedis(config.redisUrl);
  const limiter = createSendLimiter({ sdkAppId: config.sdkAppId, quotas: config.quotas, redis, podShare: config.podShare, clock });
  const userSigs = createUserSigs({ sdkAppId: config.sdkAppId, identifier: config.identifier, secretKey, ttlSeconds: config.userSigTtlSeconds, clock });
  const client = createTencentClient({ baseUrl: config.baseUrl ?? tencentRegions[config.region], sdkAppId: config.sdkAppId, identifier: config.identifier, userSigs, limiter, requestTimeoutMs: config.requestTimeoutMs });
  return relaySink({
    type: 'tencent',
    target: 'Tencent',
    identity,
    settings: config,
    dataDir: deps.dataDir,
    clock,
    redis,
    plan: (message) => planSends(message, config, identity.relayKeys),
    send: (step: Step, signal, beforeCall) => client.send(step.endpoint, step.body, signal, beforeCall),
  });
}

export const tencentSink = defineSink({ config: tencentSinkConfig, delivery: tencentDelivery, create: (config, deps) => createTencentSink(config, deps, deps.clock) });
