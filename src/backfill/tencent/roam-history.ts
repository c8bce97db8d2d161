import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { RoundTrips } from '../round-trips';
import type { TencentRest } from './rest';

/**
 * One message of `admin_getroammsg`'s `MsgList`: sender and recipient as sent, the parts of the
 * MsgKey (`MsgSeq_MsgRandom_MsgTimeStamp`), `MsgFlagBits` (0 normal; otherwise deleted or recalled).
 * https://www.tencentcloud.com/document/product/1047/35478
 */
const roamMessage = z.looseObject({
  From_Account: z.string(),
  To_Account: z.string(),
  MsgSeq: z.number().int().optional(),
  MsgRandom: z.number().int().optional(),
  MsgTimeStamp: z.number().int(),
  MsgFlagBits: z.number().int().default(0),
  MsgKey: z.string().min(1),
  MsgBody: z.array(z.unknown()).default([]),
  CloudCustomData: z.string().optional(),
});
export type RoamMessage = z.output<typeof roamMessage>;

const reply = z.looseObject({
  Complete: z.number().int(),
  LastMsgTime: z.number().int().optional(),
  LastMsgKey: z.string().optional(),
  MsgList: z.array(roamMessage).default([]),
});

/** Messages asked for per call (the documentation's example; an answer is also cut at about 13 KB, `Complete` 0 says more follow). */
export const roamPageSize = 100;

/** Where a read of one conversation stands: the next page ends at `maxTime` after the message `lastMsgKey`. */
export interface RoamCursor {
  readonly maxTime: number;
  readonly lastMsgKey: string;
}

/**
 * The one-to-one roaming history (`v4/openim/admin_getroammsg`) of a pair of accounts between two
 * times (seconds, inclusive), read as `operator`: pages go from the newest message back, each call
 * continuing at the previous answer's `LastMsgTime` and `LastMsgKey` until `Complete` is 1. Only what
 * is still in the roaming storage comes back (7 days by default). The time each answer takes to be
 * handled until the next call goes to `timing`.
 */
export function createTencentRoamHistory(rest: TencentRest, timing?: Pick<RoundTrips, 'handled'>) {
  return {
    async *read(operator: string, peer: string, minTime: number, maxTime: number, signal?: AbortSignal): AsyncGenerator<RoamMessage> {
      let cursor: RoamCursor | undefined;
      let answered: number | undefined;
      for (;;) {
        const body = { Operator_Account: operator, Peer_Account: peer, MaxCnt: roamPageSize, MinTime: minTime, MaxTime: cursor?.maxTime ?? maxTime, ...(cursor && { LastMsgKey: cursor.lastMsgKey }) };
        // The time the answer before took to be handled (its messages handed on) until this call.
        if (answered !== undefined) timing?.handled(performance.now() - answered);
        const page = reply.parse(await rest.post('v4/openim/admin_getroammsg', body, signal));
        answered = performance.now();
        yield* page.MsgList;
        if (page.Complete === 1 || page.MsgList.length === 0 || page.LastMsgTime === undefined || page.LastMsgKey === undefined) return;
        // A cursor that does not move back would read the same page for ever.
        if (cursor !== undefined && page.LastMsgKey === cursor.lastMsgKey) return;
        cursor = { maxTime: page.LastMsgTime, lastMsgKey: page.LastMsgKey };
      }
    },
  };
}

export type TencentRoamHistory = ReturnType<typeof createTencentRoamHistory>;
