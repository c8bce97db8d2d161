import { createHash, createHmac } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { eventToJson, type Event } from '../events/event';
import { loadUndici, userAgent } from '../protocols/vendor-call';
import { causeText, safeAddress } from './addresses';
import { defineSink } from './definition';
import { BatchError, deliverySettings, PermanentSinkError, RetryLaterError, writeEach, type DeliveryDefaults, type Sink } from './sink';

const secretPrefix = 'whsec_';
/** Padded standard base64, which every Standard Webhooks library decodes the same way. */
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** The spec's key size: 24 to 64 random bytes (a short key can be guessed from one signed request). */
const keyBytes = { min: 24, max: 64 };

/** Why `secret` cannot sign, or undefined when it can. Never repeats the secret. */
export function webhookSecretProblem(secret: string): string | undefined {
  if (!secret.startsWith(secretPrefix)) {
    return `expected "whsec_" followed by the base64 of the key (Standard Webhooks); to keep a plain string as the key, use "whsec_" + its base64, e.g. whsec_$(printf %s 'the string' | base64)`;
  }
  const encoded = secret.slice(secretPrefix.length);
  if (encoded === '') return 'the key after "whsec_" is empty';
  if (!base64Pattern.test(encoded)) return 'the key after "whsec_" is not padded base64 (A-Z, a-z, 0-9, "+", "/", then "=" to a multiple of 4 characters)';
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < keyBytes.min || bytes > keyBytes.max) {
    return `the key is ${bytes} bytes; Standard Webhooks keys are at least ${keyBytes.min} and at most ${keyBytes.max} random bytes (e.g. whsec_$(openssl rand -base64 32))`;
  }
  return undefined;
}

const webhookSecret = z.string().superRefine((secret, ctx) => {
  const problem = webhookSecretProblem(secret);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * A batch is one POST (a JSON array) in `batch` mode: the common sizes, which receivers have been
 * written against; one request at a time, so a receiver sees events in order.
 */
const httpDelivery: DeliveryDefaults = { batchSize: 1000, maxBatchBytes: 1024 * 1024, lingerMs: 0, concurrency: 1, timeoutMs: 10_000 };

export const httpSinkConfig = z.strictObject({
  type: z.literal('http'),
  ...deliverySettings(httpDelivery),
  url: z
    .url({ protocol: /^https?$/ })
    .refine((url) => !/^[a-z]+:\/\/[^/?#]*@/i.test(url), 'user and password do not belong in the URL: set headers: { authorization: … } instead')
    .describe('Receiver URL, e.g. http://receiver:8080/events'),
  headers: z.record(z.string(), z.string()).default({}).describe('Extra request headers'),
  mode: z.enum(['batch', 'single']).default('batch').describe('batch: one POST with a JSON array; single: one POST per event'),
  secret: z
    .union([webhookSecret, z.array(webhookSecret).min(1).max(10)])
    .optional()
    .describe('Standard Webhooks signing secret whsec_<base64 key>, or a list while rotating (one v1 signature each)'),
  deadLetterOn4xx: z.boolean().default(true).describe('Dead-letter at once on 4xx other than 408 and 429 (else retry)'),
  redirect: z
    .enum(['error', 'follow'])
    .default('error')
    .describe('error: any 3xx answer is a failed delivery (retried); follow: send the same POST again to the Location of a 307 or 308'),
});

/** Most 307/308 hops followed for one request with `redirect: follow`. */
const maxRedirects = 5;

/** How many failed batch cuts the sink remembers so their retries keep their `webhook-id`. */
const rememberedBatches = 10_000;

/**
 * POSTs CloudEvents to a receiver. 2xx = delivered; 408, 429 and 5xx = retry (honouring Retry-After);
 * other 4xx = dead letter at once (configurable). A 3xx is a failed delivery (retried): never a bodiless
 * GET counted as delivered; with `redirect: follow`, a 307 or 308 is followed with the same signed POST.
 * Each event has its own outcome: in single mode per request, in batch mode by splitting a refused
 * batch (see `writeBatch`). With a secret, requests are signed per the Standard Webhooks spec (https://www.standardwebhooks.com/): `webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` (one `v1,` entry per key
 * while rotating). The `webhook-id` is the event id (single) or a hash of the batch's event ids. A batch
 * that failed is posted again exactly as it was cut, even when the dispatcher hands it over together
 * with newer events, so its `webhook-id` stays the same on every retry and receivers can de-duplicate.
 */
export async function createHttpSink(config: z.output<typeof httpSinkConfig>, now: () => number = Date.now): Promise<Sink> {
  // Its HTTP client now, not at the first event's write (see `loadUndici`).
  loadUndici();
  const keys = (config.secret === undefined ? [] : [config.secret].flat()).map((secret) => Buffer.from(secret.slice(secretPrefix.length), 'base64'));
  const single = config.mode === 'single';
  const failedCuts = new Map<string, readonly string[]>();
  // Requests name the sender (some WAF rules refuse any without a User-Agent); a configured one wins.
  const ownHeaders = Object.keys(config.headers ?? {}).some((name) => name.toLowerCase() === 'user-agent') ? { ...config.headers } : { 'user-agent': userAgent, ...config.headers };

  async function post(id: string, body: string, signal: AbortSignal): Promise<void> {
    const timestamp = String(Math.floor(now() / 1000));
    const webhookHeaders: Record<string, string> = {
      'content-type': single ? 'application/cloudevents+json' : 'application/cloudevents-batch+json',
      'webhook-id': id,
      'webhook-timestamp': timestamp,
    };
    if (keys.length > 0) webhookHeaders['webhook-signature'] = signatures(keys, `${id}.${timestamp}.${body}`);
    const origin = new URL(config.url).origin;
    let url = new URL(config.url);
    for (let hops = 0; ; hops++) {
      // Configured headers (credentials, often) go only to the configured origin.
      const headers = url.origin === origin ? { ...ownHeaders, ...webhookHeaders } : { 'user-agent': userAgent, ...webhookHeaders };
      const res = await request(url, headers, body, signal);
      if (res.status < 300 || res.status >= 400) return judge(res, url);
      const location = res.header('location');
      const target = location === null ? undefined : resolve(location, url);
      const followable = config.redirect === 'follow' && (res.status === 307 || res.status === 308) && target && /^https?:$/.test(target.protocol);
      if (!followable || hops >= maxRedirects) throw new Error(redirectProblem(res.status, url, target, hops));
      url = target;
    }
  }

  async function request(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<Answer> {
    try {
      // undici's request, not fetch (the same client without WHATWG objects: a third of the CPU per
      // call); like fetch with redirect: 'manual' it never follows a redirect by itself.
      const res = await loadUndici().request(url, { method: 'POST', headers, body, signal });
      await res.body.dump().catch(() => undefined);
      return answer(res);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new Error(`POST ${safeAddress(url)} failed: ${causeText(error)}`, { cause: error });
    }
  }

  function redirectProblem(status: number, from: URL, to: URL | undefined, hops: number): string {
    const where = `HTTP ${status} redirect from ${safeAddress(from)}${to ? ` to ${safeAddress(to)}` : ' without a usable Location'}`;
    if (hops >= maxRedirects) return `${where}: more than ${maxRedirects} redirects`;
    if (config.redirect === 'follow') return `${where} not followed: only 307 and 308 keep the POST and its body; set url to the new address`;
    return `${where} not followed (redirect: error); set url to the new address${status === 307 || status === 308 ? ' or redirect: follow' : ''}`;
  }

  function judge(res: Answer, url: URL): void {
    if (res.status >= 200 && res.status <= 299) return;
    const problem = `HTTP ${res.status} from ${safeAddress(url)}`;
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      const retryAfter = retryAfterMs(res.header('retry-after'), now());
      throw retryAfter === undefined ? new Error(problem) : new RetryLaterError(problem, retryAfter);
    }
    throw config.deadLetterOn4xx ? new ReceiverRefusal(problem, res.status) : new Error(problem);
  }

  async function postBatch(events: readonly Event[], signal: AbortSignal): Promise<void> {
    const ids = events.map((e) => e.attributes.id);
    try {
      await post(batchWebhookId(ids), `[${events.map(eventToJson).join(',')}]`, signal);
    } catch (error) {
      failedCuts.delete(ids[0]!);
      if (error instanceof PermanentSinkError) throw error;
      failedCuts.set(ids[0]!, ids);
      if (failedCuts.size > rememberedBatches) failedCuts.delete(failedCuts.keys().next().value!);
      throw error;
    }
    failedCuts.delete(ids[0]!);
  }

  /**
   * Batch mode: posts the parts in order. A part the receiver refuses for its content (400, 413, 422)
   * is halved and each half posted again, down to single events, so only the events the receiver
   * refuses on their own fail (for good) and the rest are delivered; at most `maxSplitRequests`
   * requests go to finding them per write, then what is still unresolved fails with the refusal. After
   * a failure that will be retried, the later parts are not sent (they would overtake it).
   */
  async function writeBatch(batch: readonly Event[], signal: AbortSignal): Promise<void> {
    const failures = new Map<number, Error>();
    let budget = maxSplitRequests;
    let stopped: Error | undefined;

    async function send(indices: readonly number[]): Promise<void> {
      if (stopped) return void indices.forEach((i) => failures.set(i, stopped!));
      try {
        await postBatch(indices.map((i) => batch[i]!), signal);
        return;
      } catch (error) {
        if (signal.aborted) throw error;
        const reason = error instanceof Error ? error : new Error(String(error));
        if (indices.length > 1 && reason instanceof ReceiverRefusal && splittable.has(reason.status) && budget >= 2) {
          budget -= 2;
          const middle = Math.ceil(indices.length / 2);
          await send(indices.slice(0, middle));
          await send(indices.slice(middle));
          return;
        }
        for (const i of indices) failures.set(i, reason);
        if (!(reason instanceof PermanentSinkError)) stopped = new Error(`not sent after an earlier event of the batch failed: ${reason.message}`);
      }
    }

    for (const part of cutLikeBefore(batch, failedCuts)) await send(part);
    if (failures.size === 0) return;
    const reasons = new Set(failures.values());
    if (failures.size === batch.length && reasons.size === 1) throw reasons.values().next().value;
    throw new BatchError(failures);
  }

  return {
    name: config.name ?? 'http',
    async write(batch: readonly Event[], signal: AbortSignal) {
      if (!single) return writeBatch(batch, signal);
      if (batch.length === 1) return post(batch[0]!.attributes.id, eventToJson(batch[0]!), signal);
      await writeEach(batch, (event) => post(event.attributes.id, eventToJson(event), signal));
    },
    /**
     * A HEAD request to the URL, without the configured headers or a body: any HTTP answer (even 404 or
     * 405) proves the receiver is reachable, through DNS, TCP and TLS; a refused connection, an unknown
     * host, a TLS error or no answer in time does not.
     */
    async check(signal: AbortSignal) {
      const url = new URL(config.url);
      try {
        const res = await loadUndici().request(url, { method: 'HEAD', headers: { 'user-agent': userAgent }, signal });
        await res.body.dump().catch(() => undefined);
      } catch (error) {
        throw new Error(`HEAD ${safeAddress(url)} failed: ${causeText(signal.aborted ? signal.reason : error)}`, { cause: error });
      }
    },
    async close() {},
  };
}

/** What the sink reads of a receiver's answer: the status and a header (the first value of a repeated one). */
interface Answer {
  readonly status: number;
  header(name: string): string | null;
}

function answer(res: Dispatcher.ResponseData): Answer {
  return {
    status: res.statusCode,
    header: (name) => {
      const value = res.headers[name];
      return (Array.isArray(value) ? value[0] : value) ?? null;
    },
  };
}

/** A 4xx that dead-letters (with `deadLetterOn4xx`), with its status, so a batch can be split on it. */
class ReceiverRefusal extends PermanentSinkError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Refusals of what a batch contains (one bad event can cause them), as opposed to the endpoint's own. */
const splittable = new Set([400, 413, 422]);
/** Most extra requests one batch-mode write spends isolating refused events (about 3 in 1,000). */
const maxSplitRequests = 64;

/** The `webhook-id` of a batch: a hash of its event ids, so the same events always get the same id. */
export function batchWebhookId(ids: readonly string[]): string {
  return `batch_${createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 32)}`;
}

/** `v1,<signature>` per key, space-separated (Standard Webhooks allows several, for key rotation). */
function signatures(keys: readonly Buffer[], content: string): string {
  return keys.map((key) => `v1,${createHmac('sha256', key).update(content).digest('base64')}`).join(' ');
}

/**
 * Cuts `batch` into parts (indices, in order): a run of events that failed before as one batch is kept
 * as that batch (same ids, so the same `webhook-id`); the events around such runs form their own parts.
 */
export function cutLikeBefore(batch: readonly Event[], failedCuts: ReadonlyMap<string, readonly string[]>): number[][] {
  const parts: number[][] = [];
  let loose: number[] = [];
  for (let i = 0; i < batch.length; ) {
    const before = failedCuts.get(batch[i]!.attributes.id);
    if (before && before.every((id, k) => batch[i + k]?.attributes.id === id)) {
      if (loose.length > 0) parts.push(loose);
      loose = [];
      parts.push(before.map((_, k) => i + k));
      i += before.length;
    } else {
      loose.push(i);
      i += 1;
    }
  }
  if (loose.length > 0) parts.push(loose);
  return parts;
}

function resolve(location: string, base: URL): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), capped at one hour. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const ms = /^\d+$/.test(header.trim()) ? Number(header.trim()) * 1000 : Date.parse(header) - nowMs;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 3_600_000) : undefined;
}

export const httpSink = defineSink({ config: httpSinkConfig, delivery: httpDelivery, create: (config, deps) => createHttpSink(config, deps.clock) });
