import { z } from 'zod';
import { createEasemobClient } from './client';
import { relayIdentity, relaySink } from '../relay-sink';
import { quotaRedis, readSecretFile } from '../setup';
import { createSendLimiter, quotasSchema } from './limiter';
import { relayElementsSchema, relayTargetsSchema } from './mapping';
import { planSends, type Step } from './plan';
import { createAppTokens } from '../../../protocols/easemob-app-token';
import { causeText, safeAddress } from '../../addresses';
import { defineSink } from '../../definition';
import { abortable, deliverySettings, type DeliveryDefaults, type Sink, type SinkDeps } from '../../sink';

/** An Easemob App Key: `org#app` (the console shows it this way; the REST paths use `/org/app`). */
const appKeyPattern = /^[A-Za-z0-9_-]{1,64}#[A-Za-z0-9_-]{1,64}$/;

/**
 * The common sizes: within a write, the conversations go at once and the quota sets the pace (a quota
 * wait ends the write with a retry-later, never a sleep), so one write at a time.
 */
const easemobDelivery: DeliveryDefaults = { batchSize: 1000, maxBatchBytes: 1024 * 1024, lingerMs: 0, concurrency: 1, timeoutMs: 10_000 };

export const easemobSinkConfig = z
  .strictObject({
    type: z.literal('easemob'),
    ...deliverySettings(easemobDelivery),
    baseUrl: z.url({ protocol: /^https?$/ }).describe("The app's REST domain from the Easemob console, e.g. https://a1.easemob.com"),
    appKey: z.string().regex(appKeyPattern, 'expected an App Key such as acme#chatapp').describe('App Key (org#app) to send with'),
    clientId: z.string().min(1).describe('Client ID of the app'),
    clientSecret: z.string().min(1).optional().describe('Client Secret of the app (or clientSecretFile)'),
    clientSecretFile: z.string().min(1).optional().describe('File holding the Client Secret (a mounted Kubernetes secret)'),
    tokenTtlSeconds: z.number().int().min(0).optional().describe('Token lifetime to ask for; unset = the console setting, 0 = never expires'),
    requestTimeoutMs: z.number().int().min(100).default(5000).describe('A send without an answer after this long counts as unanswered (see unansweredResends)'),
    quotas: quotasSchema.describe('Client-side quotas per App Key; the defaults are the documented ones'),
    redisUrl: z.url({ protocol: /^rediss?$/ }).optional().describe('Share the quotas with every pod through Redis'),
    podShare: z.number().gt(0).max(1).default(1).describe('Without Redis: the share of each quota this pod takes (1 / number of pods)'),
    from: z.string().min(1).max(64).optional().describe('Sender user id on Easemob; unset = the original sender id'),
    targets: relayTargetsSchema,
    elements: relayElementsSchema,
    syncDevice: z.boolean().default(false).describe("One-to-one sends also reach the sender's other devices"),
    onlineOnly: z.boolean().default(false).describe('Deliver only to online receivers (routetype ROUTE_ONLINE)'),
    chatroomLevel: z.enum(['high', 'normal', 'low']).optional().describe('Chat room message priority'),
    silent: z.boolean().default(false).describe('No offline push (ext.em_ignore_notification)'),
    parallelSends: z.number().int().min(1).max(64).default(8).describe('Conversations sent at once within a write; the messages of one conversation stay in order'),
    journalRetentionMs: z.number().int().min(60_000).default(2 * 86_400_000).describe('How long accepted sends are remembered, so a redelivered event skips them'),
    journalMaxBytes: z.number().int().min(0).default(512 * 1024 ** 2).describe('Bytes the send journal may hold; over it the oldest entries go first; 0 = no bound'),
    unansweredResends: z.number().int().min(0).max(3).default(1).describe('How often a send whose answer never came (timeout, broken connection, abort) is made again; 0 = never (it may then be lost). A call cut short by a crash is made again once after the restart'),
  })
  .check((ctx) => {
    if ((ctx.value.clientSecret === undefined) === (ctx.value.clientSecretFile === undefined)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: ['clientSecret'], message: 'set exactly one of clientSecret and clientSecretFile' });
    }
  });

export type EasemobSinkConfig = z.output<typeof easemobSinkConfig>;

/**
 * Relays neutral messages (`event.message`) to Easemob over its REST send API: to the user, group or
 * chat room each source conversation maps to (../conversations.ts) and to the `alsoTo` lists, one send per
 * element in order (or one joined txt), recipients grouped within each endpoint's per-call maximum.
 * Every send carries the signed relay marker (events/relay-marker.ts) and the source's keys in `ext`;
 * a message whose own marker verifies was sent by this gateway and is not relayed again. Per event: an
 * element that cannot be mapped or a message over 5 KB is a dead letter with the reason; a quota wait,
 * 429 or 403 "reach limit" is a `RetryLaterError` (never a sleep inside `write`); the events after a
 * retryable failure are retried with it, in order. Sends Easemob accepted are journaled and never sent
 * again; a send whose answer never came is sent again at most `unansweredResends` times (and once
 * after a crash that cut its call short).
 */
export async function createEasemobSink(config: EasemobSinkConfig, deps: SinkDeps, clock: () => number = Date.now): Promise<Sink> {
  const identity = relayIdentity('easemob', config, deps);
  const clientSecret = config.clientSecret ?? (await readSecretFile(config.clientSecretFile as string, 'easemob sink: clientSecretFile'));
  const [org, app] = config.appKey.split('#') as [string, string];
  const appUrl = `${config.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(org)}/${encodeURIComponent(app)}`;
  const redis = quotaRedis(config.redisUrl);
  const limiter = createSendLimiter({ appKey: config.appKey, quotas: config.quotas, redis, podShare: config.podShare, clock });
  const tokens = createAppTokens({ url: `${appUrl}/token`, clientId: config.clientId, clientSecret, ttlSeconds: config.tokenTtlSeconds, timeoutMs: config.requestTimeoutMs, clock });
  const client = createEasemobClient({ appUrl, tokens, limiter, requestTimeoutMs: config.requestTimeoutMs, warn: (message) => identity.warn({}, message) });
  return relaySink({
    type: 'easemob',
    target: 'Easemob',
    identity,
    settings: config,
    dataDir: deps.dataDir,
    clock,
    redis,
    plan: (message) => planSends(message, config, limiter, identity.relayKeys),
    send: (step: Step, signal, beforeCall) => client.send(step.endpoint, step.request, signal, beforeCall),
    /**
     * Gets the app token, as the first send would (kept for the sends): proves the REST domain answers
     * and takes the credentials. A token already held proves it without a request.
     */
    async check(signal) {
      try {
        await abortable(tokens.get(signal), signal);
      } catch (error) {
        throw new Error(`Easemob at ${safeAddress(config.baseUrl)}: ${causeText(signal.aborted ? signal.reason : error)}`, { cause: error });
      }
    },
  });
}

export const easemobSink = defineSink({ config: easemobSinkConfig, delivery: easemobDelivery, create: (config, deps) => createEasemobSink(config, deps, deps.clock) });
