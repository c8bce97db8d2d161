import { z } from 'zod';
import { tencentUserSig } from '../../protocols/tencent-usersig';
import type { Quota } from '../quota';

/**
 * One message of `group_msg_get_simple`'s `RspMsgList`. `IsPlaceMsg` 1: the number is used but the
 * message expired, failed to be stored or was deleted (nothing to fetch).
 * https://www.tencentcloud.com/document/product/1047/34971 (cloud.tencent.cn/document/product/269/2738)
 */
const historyMessage = z.looseObject({
  From_Account: z.string().default(''),
  IsPlaceMsg: z.number().int().default(0),
  MsgBody: z.array(z.unknown()).default([]),
  MsgRandom: z.number().int().optional(),
  MsgSeq: z.number().int(),
  MsgTimeStamp: z.number().int().optional(),
  CloudCustomData: z.string().optional(),
});
export type GroupHistoryMessage = z.output<typeof historyMessage>;

const reply = z.looseObject({
  ActionStatus: z.string(),
  ErrorCode: z.number().int().default(0),
  ErrorInfo: z.string().default(''),
  IsFinished: z.number().int().optional(),
  RspMsgList: z.array(historyMessage).default([]),
});

/** The most messages one call returns (the documented limit of ReqMsgNumber). */
export const pageSize = 20;

/** A refusal by the REST API: its ErrorCode and ErrorInfo (e.g. 10010 the group does not exist, 10007 no permission). */
export class TencentApiError extends Error {
  constructor(readonly code: number, info: string, readonly retryable: boolean) {
    super(`Tencent REST API error ${code}: ${info}`);
  }
}

/** REST error codes worth another try: 10002, the group APIs' "system error, retry". */
const transient = new Set([10002]);

export interface TencentHistorySettings {
  /** e.g. https://console.tim.qq.com (the app's region). */
  readonly url: string;
  readonly sdkAppId: number;
  /** An App admin account. */
  readonly identifier: string;
  /** The app's secret key (signs the UserSig). */
  readonly key: string;
}

/**
 * The group history API (`v4/group_open_http_svc/group_msg_get_simple`): pages down from a sequence
 * number, 20 messages a call, each call behind the quota. AVChatRoom groups keep no history.
 */
export function createTencentGroupHistory(settings: TencentHistorySettings, deps: { quota: Quota; clock: () => number }) {
  let sig: { value: string; until: number } | undefined;
  const userSig = (): string => {
    const now = Math.floor(deps.clock() / 1000);
    if (sig === undefined || now >= sig.until) sig = { value: tencentUserSig(settings.sdkAppId, settings.identifier, settings.key, now, 86_400), until: now + 3600 };
    return sig.value;
  };

  async function page(groupId: string, reqMsgSeq: number, count: number, signal?: AbortSignal): Promise<GroupHistoryMessage[]> {
    await deps.quota.take();
    const query = new URLSearchParams({ sdkappid: String(settings.sdkAppId), identifier: settings.identifier, usersig: userSig(), random: String(Math.floor(Math.random() * 2 ** 32)), contenttype: 'json' });
    const response = await fetch(`${settings.url.replace(/\/$/, '')}/v4/group_open_http_svc/group_msg_get_simple?${query.toString()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ GroupId: groupId, ReqMsgSeq: reqMsgSeq, ReqMsgNumber: count }),
      signal: signal ?? AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new TencentApiError(response.status, `HTTP ${response.status}`, response.status === 429 || response.status >= 500);
    const body = reply.parse(await response.json());
    if (body.ActionStatus !== 'OK') throw new TencentApiError(body.ErrorCode, body.ErrorInfo, transient.has(body.ErrorCode));
    return body.RspMsgList;
  }

  return {
    /** Every message numbered `fromSeq` to `untilSeq` that the history holds (placeholders included), newest first. */
    async *range(groupId: string, fromSeq: number, untilSeq: number, signal?: AbortSignal): AsyncGenerator<GroupHistoryMessage> {
      for (let top = untilSeq; top >= fromSeq; ) {
        const messages = await page(groupId, top, Math.min(pageSize, top - fromSeq + 1), signal);
        const inRange = messages.filter((m) => m.MsgSeq >= fromSeq && m.MsgSeq <= top);
        yield* inRange;
        const lowest = Math.min(...messages.map((m) => m.MsgSeq));
        if (messages.length === 0 || !Number.isFinite(lowest) || lowest > top) return;
        top = lowest - 1;
      }
    },
  };
}

export type TencentGroupHistory = ReturnType<typeof createTencentGroupHistory>;
