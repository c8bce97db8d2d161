import { z } from 'zod';
import type { Quota, Sleep } from '../quota';
import { inOrder } from '../slices';
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
 * Calls of one range in flight at once: enough that the quota, not the round trip, sets the pace (at
 * the documented 200 calls a second, round trips up to 80 ms).
 */
export const callsInFlight = 16;

/** The ranges of `fromSeq` to `untilSeq` one call each reads, newest first: `[top, bottom]`, 20 numbers each. */
function* ranges(fromSeq: number, untilSeq: number): Generator<[number, number]> {
  for (let top = untilSeq; top >= fromSeq; top -= pageSize) yield [top, Math.max(fromSeq, top - pageSize + 1)];
}

/**
 * The group history API (`v4/group_open_http_svc/group_msg_get_simple`): reads a range of sequence
 * numbers down from its top, 20 numbers a call, up to 16 calls in flight, each behind the quota.
 * AVChatRoom groups keep no history.
 */
export function createTencentGroupHistory(settings: TencentHistorySettings, deps: { quota: Quota; clock: () => number; sleep?: Sleep }) {
  const rest = createTencentRest(settings, deps);
  /** The messages numbered `bottom` to `top` (placeholders included), or undefined when the history holds none at or below `top`. */
  async function page(groupId: string, top: number, bottom: number, signal: AbortSignal): Promise<GroupHistoryMessage[] | undefined> {
    const body = reply.parse(await rest.post('v4/group_open_http_svc/group_msg_get_simple', { GroupId: groupId, ReqMsgSeq: top, ReqMsgNumber: top - bottom + 1 }, signal));
    // The call answers the newest messages at or below ReqMsgSeq: numbers it skipped (not stored as
    // messages) let it reach below the range, and those are another call's.
    return body.RspMsgList.length === 0 ? undefined : body.RspMsgList.filter((m) => m.MsgSeq >= bottom && m.MsgSeq <= top);
  }

  /**
   * The pages of a range, each the messages of one call's 20 numbers (placeholders included), newest
   * first. The calls do not wait for each other's answers; the pages come in order. Ends early when
   * the history holds nothing older.
   */
  async function* pages(groupId: string, fromSeq: number, untilSeq: number, signal?: AbortSignal): AsyncGenerator<GroupHistoryMessage[]> {
    const calls = (function* () {
      for (const [top, bottom] of ranges(fromSeq, untilSeq)) yield (given: AbortSignal) => page(groupId, top, bottom, given);
    })();
    for await (const messages of inOrder(calls, callsInFlight, signal)) {
      if (messages === undefined) return;
      yield messages;
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
