import { randomBytes } from 'node:crypto';
import { neteaseApiHeaders } from '../../../protocols/netease-api-checksum';
import { PermanentSinkError, RetryLaterError, throwIfAborted } from '../../sink';
import { relayPost } from '../call';
import { endpointPaths, type Endpoint, type SendLimiter } from './limiter';

export interface NeteaseClient {
  /** Sends once; resolves with NetEase's message id; throws a classified error or `UnansweredSendError`. `beforeCall` runs right before the request. */
  send(endpoint: Endpoint, form: Readonly<Record<string, string>>, signal: AbortSignal, beforeCall?: () => void): Promise<Record<string, string>>;
}

export interface ClientOptions {
  /** `https://api.netease.im` (or the app's data centre). */
  readonly baseUrl: string;
  readonly appKey: string;
  readonly appSecret: string;
  readonly limiter: SendLimiter;
  readonly requestTimeoutMs: number;
  readonly clock: () => number;
  readonly random?: () => number;
}


export function createNeteaseClient(options: ClientOptions): NeteaseClient {
  const random = options.random ?? Math.random;
  const base = options.baseUrl.replace(/\/+$/, '');

  /** The wait after a refusal for the quota (see `QuotaLimiter.refused`): at least its one-second window. */
  const backoff = (endpoint: Endpoint): number => options.limiter.refused(endpoint, { windowMs: 1000, floorMs: 1000, random });

  return {
    async send(endpoint, form, signal, beforeCall) {
      throwIfAborted(signal);
      const counted = await options.limiter.leaving(endpoint, await options.limiter.acquire(endpoint, 1), 1);
      // A fresh Nonce per call: NetEase refuses a repeated one (431).
      const headers = neteaseApiHeaders(options.appKey, options.appSecret, randomBytes(16).toString('hex'), String(Math.floor(options.clock() / 1000)));
      beforeCall?.();
      const res = await relayPost(
        `NetEase ${endpoint} send`,
        `${base}/${endpointPaths[endpoint]}`,
        { headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: new URLSearchParams(form).toString() },
        signal,
        options.requestTimeoutMs,
      );
      options.limiter.answered(counted.at);
      const json = res.json as { code?: unknown; desc?: unknown; data?: { msgid?: unknown } };
      if (res.status === 200 && json.code === 200) {
        options.limiter.accepted(endpoint);
        const id = json.data?.msgid ?? (json.desc as { msgid_server?: unknown } | undefined)?.msgid_server;
        const ids: Record<string, string> = id === undefined ? {} : { msgid: String(id) };
        return ids;
      }
      const text = `NetEase ${endpoint} send: ${res.status === 200 ? `code ${String(json.code)} ${typeof json.desc === 'string' ? json.desc.slice(0, 300) : ''}` : `HTTP ${res.status}`}`.trim();
      const failure = res.status === 200 && typeof json.code === 'number' ? classify(json.code) : 'retry';
      if (failure === 'rate') throw new RetryLaterError(text, backoff(endpoint));
      if (failure === 'permanent') throw new PermanentSinkError(text);
      throw new Error(text);
    },
  };
}

/** Server and setup codes (NetEase's common code table): retried, never dead letters. */
const retryCodes = new Set([403, 408, 431, 500, 503, 514, 998, 999]);

/**
 * What a NetEase code means (docs/protocols/netease-rest.md): 416 frequency control → `rate`; 403 (no
 * permission, a wrong CheckSum), 408, 431 (repeated request), 5xx and pack errors → `retry`; anything else
 * (414 parameter error, 404 unknown account, 801–806 team, 13001–13006 chat room closed, muted, …) is the
 * message or its recipient → `permanent`, a dead letter carrying NetEase's `desc`.
 */
export function classify(code: number): 'rate' | 'retry' | 'permanent' {
  if (code === 416) return 'rate';
  if (retryCodes.has(code)) return 'retry';
  return 'permanent';
}
