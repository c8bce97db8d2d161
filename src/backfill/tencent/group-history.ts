import { z } from 'zod';
import type { Quota } from '../quota';
import { createTencentRest, type TencentHistorySettings } from './rest';

export { TencentApiError, type TencentHistorySettings } from './rest';

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
  IsFinished: z.number().int().optional(),
  RspMsgList: z.array(historyMessage).default([]),
});

/** The most messages one call returns (the documented limit of ReqMsgNumber). */
export const pageSize = 20;

/**
 * The group history API (`v4/group_open_http_svc/group_msg_get_simple`): pages down from a sequence
 * number, 20 messages a call, each call behind the quota. AVChatRoom groups keep no history.
 */
export function createTencentGroupHistory(settings: TencentHistorySettings, deps: { quota: Quota; clock: () => number }) {
  const rest = createTencentRest(settings, deps);
  async function page(groupId: string, reqMsgSeq: number, count: number, signal?: AbortSignal): Promise<GroupHistoryMessage[]> {
    const body = reply.parse(await rest.post('v4/group_open_http_svc/group_msg_get_simple', { GroupId: groupId, ReqMsgSeq: reqMsgSeq, ReqMsgNumber: count }, signal));
    return body.RspMsgList;
  }

  /** The pages of `range`, each the messages of one call that fall in the range (placeholders included), newest first. */
  async function* pages(groupId: string, fromSeq: number, untilSeq: number, signal?: AbortSignal): AsyncGenerator<GroupHistoryMessage[]> {
    for (let top = untilSeq; top >= fromSeq; ) {
      const messages = await page(groupId, top, Math.min(pageSize, top - fromSeq + 1), signal);
      const bottom = top;
      yield messages.filter((m) => m.MsgSeq >= fromSeq && m.MsgSeq <= bottom);
      const lowest = Math.min(...messages.map((m) => m.MsgSeq));
      if (messages.length === 0 || !Number.isFinite(lowest) || lowest > top) return;
      top = lowest - 1;
    }
  }

  return {
    pages,
    /** Every message numbered `fromSeq` to `untilSeq` that the history holds (placeholders included), newest first. */
    async *range(groupId: string, fromSeq: number, untilSeq: number, signal?: AbortSignal): AsyncGenerator<GroupHistoryMessage> {
      for await (const messages of pages(groupId, fromSeq, untilSeq, signal)) yield* messages;
    },
  };
}

export type TencentGroupHistory = ReturnType<typeof createTencentGroupHistory>;
