import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { backgroundTurn } from '../../pipeline/background-turns';
import { callVendor } from '../../protocols/vendor-call';
import { tencentUserSig } from '../../protocols/tencent-usersig';
import { realSleep, type Quota, type Sleep } from '../quota';
import { defaultRequestTimeoutMs } from '../request-timeout';
import type { RoundTrips } from '../round-trips';

/** A refusal by the REST API: its ErrorCode and ErrorInfo (e.g. 10010 the group does not exist, 10007 no permission). */
export class TencentApiError extends Error {
  constructor(readonly code: number, info: string, readonly retryable: boolean) {
    super(`Tencent REST API error ${code}: ${info}`);
  }
}

export interface TencentHistorySettings {
  /** e.g. https://console.tim.qq.com (the app's region). */
  readonly url: string;
  readonly sdkAppId: number;
  /** An App admin account. */
  readonly identifier: string;
  /** The app's secret key (signs the UserSig). */
  readonly key: string;
}

/** REST error codes worth another try: 10002 (group APIs) and 91000 / 90992 (one-to-one APIs), "internal error, retry". */
const transient = new Set([10002, 90992, 91000]);

/**
 * Refusals for going over a frequency limit: the REST limits 60007, 60011, 60018 and 60019
 * (docs/protocols/tencent-rest.md), 20004 (what the stand-in answers; the history page names no code)
 * and HTTP 429. The limit counts calls per second as they arrive: calls paced at the limit can
 * still land a few in the same second, so one such refusal is a wait, not a failed read.
 */
const frequencyCodes = new Set([20004, 60007, 60011, 60018, 60019, 429]);

/** Tries of one call refused for the frequency limit, one second apart. */
const frequencyTries = 3;

const status = z.looseObject({ ActionStatus: z.string(), ErrorCode: z.number().int().default(0), ErrorInfo: z.string().default('') });

/**
 * Calls of the REST API as the App admin (each bounded by `requestTimeoutMs`, 10 s by default): the
 * UserSig in the query (signed for a day, made again every hour), each call behind the quota and its
 * round trip given to `roundTrips`, a refusal thrown as a `TencentApiError`. A call refused for the
 * frequency limit is made again after a second (three tries in all); `sleep` waits that second.
 */
export function createTencentRest(settings: TencentHistorySettings, deps: { quota: Quota; clock: () => number; sleep?: Sleep; requestTimeoutMs?: number; roundTrips?: Pick<RoundTrips, 'record'> }) {
  const sleep = deps.sleep ?? realSleep;
  let sig: { value: string; until: number } | undefined;
  const userSig = (): string => {
    const now = Math.floor(deps.clock() / 1000);
    if (sig === undefined || now >= sig.until) sig = { value: tencentUserSig(settings.sdkAppId, settings.identifier, settings.key, now, 86_400), until: now + 3600 };
    return sig.value;
  };
  return {
    /** POSTs `body` to `path` (e.g. `v4/openim/admin_getroammsg`) and returns the answer once its ActionStatus is OK. */
    async post(path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
      for (let tried = 1; ; tried += 1) {
        try {
          return await call(path, body, signal);
        } catch (error) {
          if (!(error instanceof TencentApiError && frequencyCodes.has(error.code)) || tried >= frequencyTries) throw error;
          await sleep(1000, signal);
        }
      }
    },
  };

  async function call(path: string, body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<unknown> {
    await deps.quota.take();
    const query = new URLSearchParams({ sdkappid: String(settings.sdkAppId), identifier: settings.identifier, usersig: userSig(), random: String(Math.floor(Math.random() * 2 ** 32)), contenttype: 'json' });
    const sent = performance.now();
    const response = await callVendor(`${settings.url.replace(/\/$/, '')}/${path}?${query.toString()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      // The caller's signal stops the read; the timeout bounds each call, so one never answered cannot hold a fill.
      signal,
      timeoutMs: deps.requestTimeoutMs ?? defaultRequestTimeoutMs,
    });
    deps.roundTrips?.record(performance.now() - sent);
    if (response.status < 200 || response.status > 299) throw new TencentApiError(response.status, `HTTP ${response.status}`, response.status === 429 || response.status >= 500);
    // A page's answer is parsed in a background turn: answers that arrive together do not hold callbacks back to back.
    await backgroundTurn();
    const answer: unknown = JSON.parse(response.text);
    const head = status.parse(answer);
    if (head.ActionStatus !== 'OK') throw new TencentApiError(head.ErrorCode, head.ErrorInfo, transient.has(head.ErrorCode));
    return answer;
  }
}

export type TencentRest = ReturnType<typeof createTencentRest>;
