import { z } from 'zod';
import { tencentUserSig } from '../../protocols/tencent-usersig';
import type { Quota } from '../quota';

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

const status = z.looseObject({ ActionStatus: z.string(), ErrorCode: z.number().int().default(0), ErrorInfo: z.string().default('') });

/**
 * Calls of the REST API as the App admin: the UserSig in the query (signed for a day, made again
 * every hour), each call behind the quota, a refusal thrown as a `TencentApiError`.
 */
export function createTencentRest(settings: TencentHistorySettings, deps: { quota: Quota; clock: () => number }) {
  let sig: { value: string; until: number } | undefined;
  const userSig = (): string => {
    const now = Math.floor(deps.clock() / 1000);
    if (sig === undefined || now >= sig.until) sig = { value: tencentUserSig(settings.sdkAppId, settings.identifier, settings.key, now, 86_400), until: now + 3600 };
    return sig.value;
  };
  return {
    /** POSTs `body` to `path` (e.g. `v4/openim/admin_getroammsg`) and returns the answer once its ActionStatus is OK. */
    async post(path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
      await deps.quota.take();
      const query = new URLSearchParams({ sdkappid: String(settings.sdkAppId), identifier: settings.identifier, usersig: userSig(), random: String(Math.floor(Math.random() * 2 ** 32)), contenttype: 'json' });
      const response = await fetch(`${settings.url.replace(/\/$/, '')}/${path}?${query.toString()}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: signal ?? AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new TencentApiError(response.status, `HTTP ${response.status}`, response.status === 429 || response.status >= 500);
      const answer: unknown = await response.json();
      const head = status.parse(answer);
      if (head.ActionStatus !== 'OK') throw new TencentApiError(head.ErrorCode, head.ErrorInfo, transient.has(head.ErrorCode));
      return answer;
    },
  };
}

export type TencentRest = ReturnType<typeof createTencentRest>;
