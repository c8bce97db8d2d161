import type * as Undici from 'undici';
import { callSignal } from './call-signal';

/** Most bytes of one answer read: far above any page a vendor's API returns, so a broken one fails the call, not the process. */
export const maxAnswerBytes = 64 * 1024 * 1024;

/**
 * The User-Agent of the gateway's outbound HTTP requests (vendor APIs, the HTTP sink): some vendors'
 * gateways and WAF rules refuse a request without one.
 */
export const userAgent = 'im-callback-gateway';

/**
 * undici, loaded by the parts that call out (the HTTP and relay sinks when they are built, backfill when
 * it starts) and by any outbound call: a gateway that never calls out does not carry it. Loaded by every
 * gateway at start, it took the spool gateway's peak resident memory under saturation load from about
 * 163 to 195 MB (bench/README, "Peak RSS"). Loaded by the first call instead, it held up callbacks for
 * the 150–230 ms it takes to load (Node 24, one core) just when backfill starts: as callbacks come back
 * after an outage.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loading on first use is the point
export const loadUndici = (): typeof Undici => require('undici') as typeof Undici;

/** Connections kept alive per origin, as Node's fetch does; answers larger than `maxAnswerBytes` are refused. */
let dispatcher: Undici.Agent | undefined;

export interface VendorCall {
  readonly method: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Stops the call (the caller's stop): it rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Bounds the call, answer read included: past it, the call rejects with a `TimeoutError`. */
  readonly timeoutMs?: number;
}

export interface VendorAnswer {
  readonly status: number;
  /** The whole answer as text, whatever the status (reading it lets the connection serve the next call). */
  readonly text: string;
}

/**
 * One HTTP call of a vendor's API, its answer read whole. Through undici's `request` rather than
 * `fetch` (the same client underneath): a call of a history page costs about a third of fetch's CPU
 * (no WHATWG Request, Response and stream objects), and backfill makes hundreds a second. A network
 * failure rejects with undici's error (`code` e.g. ECONNREFUSED, UND_ERR_SOCKET).
 */
export async function callVendor(url: string, call: VendorCall): Promise<VendorAnswer> {
  const headers = { 'user-agent': userAgent, ...call.headers };
  const undici = loadUndici();
  dispatcher ??= new undici.Agent({ maxResponseSize: maxAnswerBytes });
  const bound = call.timeoutMs === undefined ? undefined : callSignal(call.signal, call.timeoutMs);
  try {
    const { statusCode, body } = await undici.request(url, { method: call.method, headers, body: call.body, signal: bound?.signal ?? call.signal, dispatcher });
    return { status: statusCode, text: await body.text() };
  } finally {
    bound?.done();
  }
}
