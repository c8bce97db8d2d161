/**
 * The one-to-one roaming history of the Tencent history stand-in (`v4/openim/admin_getroammsg`),
 * from its documentation (docs/protocols/backfill.md): the conversation named by `Operator_Account`
 * and `Peer_Account` (or the older `From_Account` / `To_Account`), messages with
 * `MinTime <= MsgTimeStamp <= MaxTime`, the newest `MaxCnt` (at most 100, and an answer cut at about
 * 13 KB) listed oldest first; `Complete` 0 while older ones remain, and the next call sets `MaxTime`
 * to `LastMsgTime` and `LastMsgKey` to the oldest message returned. Roaming keeps 7 days.
 * Errors: 90001 a missing or malformed field, 70107 an account that does not exist.
 */
export interface RoamMessage {
  readonly From_Account: string;
  readonly To_Account: string;
  readonly MsgSeq: number;
  readonly MsgRandom: number;
  readonly MsgTimeStamp: number;
  readonly MsgFlagBits: number;
  readonly IsPeerRead: number;
  readonly MsgKey: string;
  readonly MsgBody: unknown[];
  readonly CloudCustomData: string;
}

const maxCount = 100;
const maxAnswerBytes = 13 * 1024;
const retentionSeconds = 7 * 86_400;
const fail = (code: number, info: string) => ({ ActionStatus: 'FAIL', ErrorCode: code, ErrorInfo: info });
const pairKey = (a: string, b: string) => JSON.stringify([a, b].sort());
const older = (x: RoamMessage, y: RoamMessage) => x.MsgTimeStamp - y.MsgTimeStamp || x.MsgKey.localeCompare(y.MsgKey);

export function createRoamHistory(clock: () => number) {
  const pairs = new Map<string, RoamMessage[]>();
  const accounts = new Set<string>();
  let seq = 1000;

  function answer(body: Record<string, unknown>): object {
    const operator = body['Operator_Account'] ?? body['From_Account'];
    const peer = body['Peer_Account'] ?? body['To_Account'];
    const [count, minTime, maxTime, lastKey] = [body['MaxCnt'], body['MinTime'], body['MaxTime'], body['LastMsgKey']];
    if (typeof operator !== 'string' || typeof peer !== 'string' || !Number.isInteger(count) || (count as number) < 1 || !Number.isInteger(minTime) || !Number.isInteger(maxTime)) {
      return fail(90001, 'Operator_Account, Peer_Account, MaxCnt, MinTime and MaxTime are required');
    }
    if (lastKey !== undefined && typeof lastKey !== 'string') return fail(90001, 'LastMsgKey must be a string');
    if (!accounts.has(operator) || !accounts.has(peer)) return fail(70107, 'the account does not exist');
    const oldestKept = Math.floor(clock() / 1000) - retentionSeconds;
    let candidates = (pairs.get(pairKey(operator, peer)) ?? []).filter((m) => m.MsgTimeStamp >= Math.max(minTime as number, oldestKept) && m.MsgTimeStamp <= (maxTime as number));
    if (lastKey !== undefined) {
      const at = candidates.findIndex((m) => m.MsgKey === lastKey);
      if (at >= 0) candidates = candidates.slice(0, at);
      else candidates = candidates.filter((m) => m.MsgTimeStamp < (maxTime as number));
    }
    const page: RoamMessage[] = [];
    let bytes = 0;
    for (let i = candidates.length - 1; i >= 0 && page.length < Math.min(count as number, maxCount); i -= 1) {
      const size = JSON.stringify(candidates[i]).length;
      if (page.length > 0 && bytes + size > maxAnswerBytes) break;
      bytes += size;
      page.unshift(candidates[i] as RoamMessage);
    }
    const complete = page.length === candidates.length ? 1 : 0;
    const oldest = page[0];
    return { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0, Complete: complete, MsgCnt: page.length, ...(oldest && { LastMsgTime: oldest.MsgTimeStamp, LastMsgKey: oldest.MsgKey }), MsgList: page };
  }

  return {
    answer,
    /** A one-to-one message from `from` to `to` at `atSeconds`, stored in the roaming history; returns it. */
    send(from: string, to: string, text: string, atSeconds: number): RoamMessage {
      const [msgSeq, msgRandom] = [(seq += 1), Math.floor(Math.random() * 2 ** 31)];
      const message: RoamMessage = {
        From_Account: from, To_Account: to, MsgSeq: msgSeq, MsgRandom: msgRandom, MsgTimeStamp: atSeconds, MsgFlagBits: 0, IsPeerRead: 0,
        MsgKey: `${msgSeq}_${msgRandom}_${atSeconds}`, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }], CloudCustomData: '',
      };
      accounts.add(from).add(to);
      const list = pairs.get(pairKey(from, to)) ?? [];
      list.push(message);
      list.sort(older);
      pairs.set(pairKey(from, to), list);
      return message;
    },
    /** Marks a message recalled (`MsgFlagBits` 2): it stays listed, flagged. */
    recall(message: RoamMessage): void {
      const list = pairs.get(pairKey(message.From_Account, message.To_Account)) ?? [];
      const i = list.findIndex((m) => m.MsgKey === message.MsgKey);
      if (i >= 0) list[i] = { ...(list[i] as RoamMessage), MsgFlagBits: 2 };
    },
  };
}
