import { PermanentSinkError, RetryLaterError, throwIfAborted } from '../../sink';
import { relayPost } from '../call';
import { UnansweredSendError } from '../errors';
import type { Endpoint, SendLimiter } from './limiter';
import { untilAborted, type AppTokens } from '../../../protocols/easemob-app-token';

export { UnansweredSendError };

/** One REST send (https://doc.easemob.com/document/server-side/message_single.html §2.1). */
export interface SendRequest {
  readonly from?: string;
  readonly to: readonly string[];
  readonly type: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly ext?: Readonly<Record<string, unknown>>;
  readonly sync_device?: boolean;
  readonly routetype?: string;
  readonly chatroom_msg_level?: string;
}

export interface EasemobClient {
  /**
   * Sends once (once more after a 401 with a fresh token); resolves with the message id per recipient
   * (empty when a 200 carried none: Easemob accepted the send all the same). Throws a classified error,
   * or `UnansweredSendError`. `beforeCall` runs once, right before the first request goes out (after
   * the quota and the token), so a caller knows a call went out.
   */
  send(endpoint: Endpoint, request: SendRequest, signal: AbortSignal, beforeCall?: () => void): Promise<Record<string, string>>;
}

export interface ClientOptions {
  /** `https://{host}/{org}/{app}` */
  readonly appUrl: string;
  readonly tokens: AppTokens;
  readonly limiter: SendLimiter;
  readonly requestTimeoutMs: number;
  readonly random?: () => number;
  /** Told about answers that are odd but accepted (a 200 without `data`). */
  readonly warn?: (message: string) => void;
}

/** The quota window Easemob counts in, per answer: calls per second, messages per minute (users) or per second. */
const quotaWindowMs = (endpoint: Endpoint, volume: boolean) => (volume && endpoint === 'users' ? 60_000 : 1000);

export function createEasemobClient(options: ClientOptions): EasemobClient {
  const random = options.random ?? Math.random;

  async function post(endpoint: Endpoint, request: SendRequest, token: string, signal: AbortSignal): Promise<{ status: number; json: Record<string, unknown> }> {
    return relayPost(
      `Easemob ${endpoint} send`,
      `${options.appUrl}/messages/${endpoint}`,
      { headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(request) },
      signal,
      options.requestTimeoutMs,
    );
  }

  /** The wait after a refusal for the quota (see `QuotaLimiter.refused`). */
  const backoff = (endpoint: Endpoint, volume: boolean): number => options.limiter.refused(endpoint, { windowMs: quotaWindowMs(endpoint, volume), floorMs: 1, random });

  return {
    async send(endpoint, request, signal, beforeCall) {
      for (let attempt = 1; ; attempt++) {
        throwIfAborted(signal);
        const countedAt = await options.limiter.acquire(endpoint, request.to.length);
        const token = await untilAborted(options.tokens.get(signal), signal);
        // A token fetched meanwhile (or a stalled gateway) may have moved the call past its count's windows.
        const counted = await options.limiter.leaving(endpoint, countedAt, request.to.length);
        if (attempt === 1) beforeCall?.();
        const { status, json } = await post(endpoint, request, token, signal);
        options.limiter.answered(counted.at);
        if (status === 200) {
          options.limiter.accepted(endpoint);
          if (typeof json.data === 'object' && json.data !== null) return json.data as Record<string, string>;
          // Easemob took the send: sending it again would deliver it twice.
          options.warn?.(`Easemob ${endpoint} send answered 200 without data (no message ids); taken as sent`);
          return {};
        }
        if (status === 401 && attempt === 1) {
          options.tokens.invalidate(token);
          continue;
        }
        const failure = classify(endpoint, status, json);
        if (failure === 'rate') throw new RetryLaterError(describe(endpoint, status, json), backoff(endpoint, false));
        if (failure === 'volume') throw new RetryLaterError(describe(endpoint, status, json), backoff(endpoint, true));
        throw failure;
      }
    },
  };
}

const describe = (endpoint: Endpoint, status: number, json: Record<string, unknown>) =>
  `Easemob ${endpoint} send: HTTP ${status}${typeof json.error === 'string' ? ` ${json.error}` : ''}${typeof json.error_description === 'string' ? `: ${json.error_description.slice(0, 300)}` : ''}`;

/**
 * What an error answer means (shared/protocols/easemob.md §2.4, branching on status and `error`, never
 * on `exception`): `rate` = 429 reach_limit (calls per second), `volume` = 403 "message send reach limit",
 * both retried after a backoff; a `PermanentSinkError` (dead letter with Easemob's error_description)
 * for 429 resource_limited (a plan limit), other 403s and every other 4xx but 401 and 408; a plain
 * error (retried with backoff by the dispatcher) for 401 twice, 408, 5xx and anything else.
 */
export function classify(endpoint: Endpoint, status: number, json: Record<string, unknown>): 'rate' | 'volume' | Error {
  const text = describe(endpoint, status, json);
  const error = typeof json.error === 'string' ? json.error : '';
  const description = typeof json.error_description === 'string' ? json.error_description : '';
  if (status === 429) return error === 'resource_limited' ? new PermanentSinkError(text) : 'rate';
  if (status === 403 && /reach limit/i.test(description)) return 'volume';
  if (status === 401 || status === 408 || status >= 500) return new Error(text);
  if (status >= 400) return new PermanentSinkError(text);
  return new Error(text);
}
