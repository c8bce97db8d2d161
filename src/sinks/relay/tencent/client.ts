import { PermanentSinkError, RetryLaterError, throwIfAborted } from '../../sink';
import { relayPost } from '../call';
import { endpointPaths, type Endpoint, type SendLimiter } from './limiter';
import type { UserSigs } from './usersig';

export interface TencentClient {
  /**
   * Makes one call (once more after a UserSig error, with a new one); resolves with what Tencent
   * answered (`MsgKey`, `MsgSeq`, `MsgTime` where the command returns them). Throws a classified
   * error, or `UnansweredSendError`. `beforeCall` runs once, right before the first request goes out.
   */
  send(endpoint: Endpoint, body: Readonly<Record<string, unknown>>, signal: AbortSignal, beforeCall?: () => void): Promise<Record<string, string>>;
}

export interface ClientOptions {
  /** The SDKAppID's regional domain, e.g. `https://console.tim.qq.com`. */
  readonly baseUrl: string;
  readonly sdkAppId: number;
  readonly identifier: string;
  readonly userSigs: UserSigs;
  readonly limiter: SendLimiter;
  readonly requestTimeoutMs: number;
  readonly random?: () => number;
}

interface Answer {
  readonly ActionStatus?: unknown;
  readonly ErrorCode?: unknown;
  readonly ErrorInfo?: unknown;
  readonly MsgKey?: unknown;
  readonly MsgSeq?: unknown;
  readonly MsgTime?: unknown;
  readonly MsgList?: unknown;
}


export function createTencentClient(options: ClientOptions): TencentClient {
  const random = options.random ?? Math.random;
  const base = options.baseUrl.replace(/\/+$/, '');

  async function post(endpoint: Endpoint, body: Readonly<Record<string, unknown>>, sig: string, signal: AbortSignal): Promise<{ status: number; json: Answer }> {
    const query = new URLSearchParams({ sdkappid: String(options.sdkAppId), identifier: options.identifier, usersig: sig, random: String(Math.floor(random() * 4294967295)), contenttype: 'json' });
    return relayPost(
      `Tencent ${endpoint}`,
      `${base}/v4/${endpointPaths[endpoint]}?${query.toString()}`,
      { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      signal,
      options.requestTimeoutMs,
    ) as Promise<{ status: number; json: Answer }>;
  }

  /** The wait after a refusal for the quota (see `QuotaLimiter.refused`); its one-second window. */
  const backoff = (endpoint: Endpoint, floorMs: number): number => options.limiter.refused(endpoint, { windowMs: 1000, floorMs, random });

  return {
    async send(endpoint, body, signal, beforeCall) {
      for (let attempt = 1; ; attempt++) {
        throwIfAborted(signal);
        const sig = options.userSigs.get();
        const counted = await options.limiter.leaving(endpoint, await options.limiter.acquire(endpoint, 1), 1);
        if (attempt === 1) beforeCall?.();
        const { status, json } = await post(endpoint, body, sig, signal);
        options.limiter.answered(counted.at);
        const code = status === 200 ? errorCodeOf(json) : undefined;
        if (code === 0) {
          options.limiter.accepted(endpoint);
          return ids(json);
        }
        const text = `Tencent ${endpoint}: ${status === 200 ? `ErrorCode ${String(code)} ${String(json.ErrorInfo ?? '').slice(0, 300)}` : `HTTP ${status}`}`.trim();
        const failure = status === 200 ? classify(code ?? -1) : 'retry';
        if (failure === 'usersig' && attempt === 1) {
          options.userSigs.invalidate(sig);
          continue;
        }
        if (failure === 'rate') throw new RetryLaterError(text, backoff(endpoint, 1));
        if (failure === 'usersig-rate') throw new RetryLaterError(text, backoff(endpoint, 60_000));
        if (failure === 'permanent') throw new PermanentSinkError(text);
        throw new Error(text);
      }
    },
  };
}

/** The call's error code: ErrorCode, or for an import of a group message the Result of its one message. */
function errorCodeOf(json: Answer): number | undefined {
  if (typeof json.ErrorCode !== 'number') return undefined;
  if (json.ErrorCode !== 0 || !Array.isArray(json.MsgList)) return json.ErrorCode;
  const result = (json.MsgList[0] as { Result?: unknown } | undefined)?.Result;
  return typeof result === 'number' ? result : 0;
}

function ids(json: Answer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of ['MsgKey', 'MsgSeq', 'MsgTime'] as const) if (typeof json[field] === 'string' || typeof json[field] === 'number') out[field] = String(json[field]);
  return out;
}

/** Tencent's quota codes: the REST frequency limits (60007, 60011, 60018, 60019) and group sends too frequent (10023). */
const rateCodes = new Set([60007, 60011, 60018, 60019, 10023]);
/** UserSig errors (70001 expired, 70003 unparsable, 70009 wrong key, 70013/70014 other account/app, 20002 invalid): a new UserSig once. */
const userSigCodes = new Set([70001, 70003, 70009, 70013, 70014, 20002]);
/** Errors of the app's setup, not of the message: retried (the circuit opens) until the setup is fixed, never dead letters. */
const setupCodes = new Set([60006, 60010, 60012, 60016, 60017, 60020, 60021, 70016, 70020, 90009]);
/** Transient server errors: retried. */
const transientCodes = new Set([20004, 20005, 10002, 60008, 70169]);

/**
 * What a Tencent error code means for the relay (docs/protocols/tencent-rest.md): `rate` (retry after a
 * backoff over the one-second window), `usersig-rate` (70050: the UserSig was refused too often; wait
 * a minute), `usersig` (make a new one, once), `retry` (setup and transient errors, retried by the
 * dispatcher), or `permanent`: the message or its recipient (invalid body, unknown account or group,
 * muted, refused by a callback, too long, ...), a dead letter carrying Tencent's ErrorInfo.
 */
export function classify(code: number): 'rate' | 'usersig-rate' | 'usersig' | 'retry' | 'permanent' {
  if (rateCodes.has(code)) return 'rate';
  if (code === 70050) return 'usersig-rate';
  if (userSigCodes.has(code)) return 'usersig';
  if (setupCodes.has(code) || transientCodes.has(code) || code < 0) return 'retry';
  return 'permanent';
}
