import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { eventToJson, type Event } from '../events/event';
import { deliverySettings, PermanentSinkError, RetryLaterError, type Sink } from './sink';

export const httpSinkConfig = z.strictObject({
  type: z.literal('http'),
  ...deliverySettings,
  url: z.url({ protocol: /^https?$/ }).describe('Receiver URL, e.g. http://receiver:8080/events'),
  headers: z.record(z.string(), z.string()).default({}).describe('Extra request headers'),
  mode: z.enum(['batch', 'single']).default('batch').describe('batch: one POST with a JSON array; single: one POST per event'),
  secret: z.string().min(1).optional().describe('Standard Webhooks signing secret: whsec_<base64>, or any other string (its UTF-8 bytes)'),
  deadLetterOn4xx: z.boolean().default(true).describe('Dead-letter at once on 4xx other than 408 and 429 (else retry)'),
});

/**
 * POSTs CloudEvents to a receiver. 2xx = delivered; 408, 429 and 5xx = retry (honouring Retry-After);
 * other 4xx = dead letter at once (configurable). With a secret, requests are signed per the Standard
 * Webhooks spec (https://www.standardwebhooks.com/): `webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`. The `webhook-id` is the
 * event id (single) or a hash of the batch's ids, stable across retries, so receivers can de-duplicate.
 */
export async function createHttpSink(config: z.output<typeof httpSinkConfig>, now: () => number = Date.now): Promise<Sink> {
  const key = config.secret === undefined ? undefined : secretBytes(config.secret);
  const single = config.mode === 'single';

  async function post(id: string, body: string, signal: AbortSignal): Promise<void> {
    const timestamp = String(Math.floor(now() / 1000));
    const headers: Record<string, string> = {
      ...config.headers,
      'content-type': single ? 'application/cloudevents+json' : 'application/cloudevents-batch+json',
      'webhook-id': id,
      'webhook-timestamp': timestamp,
    };
    if (key) headers['webhook-signature'] = `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
    const res = await fetch(config.url, { method: 'POST', headers, body, signal });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return;
    const problem = `HTTP ${res.status} from ${new URL(config.url).host}`;
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      const retryAfter = retryAfterMs(res.headers.get('retry-after'), now());
      throw retryAfter === undefined ? new Error(problem) : new RetryLaterError(problem, retryAfter);
    }
    throw config.deadLetterOn4xx ? new PermanentSinkError(problem) : new Error(problem);
  }

  return {
    name: config.name ?? 'http',
    async write(batch: readonly Event[], signal: AbortSignal) {
      if (single) {
        await Promise.all(batch.map((event) => post(event.attributes.id, eventToJson(event), signal)));
        return;
      }
      const id = `batch_${createHash('sha256').update(batch.map((e) => e.attributes.id).join(',')).digest('hex').slice(0, 32)}`;
      await post(id, `[${batch.map(eventToJson).join(',')}]`, signal);
    },
    async close() {},
  };
}

function secretBytes(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), capped at one hour. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const ms = /^\d+$/.test(header.trim()) ? Number(header.trim()) * 1000 : Date.parse(header) - nowMs;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 3_600_000) : undefined;
}
