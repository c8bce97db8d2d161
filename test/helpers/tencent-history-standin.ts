import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateSync } from 'node:zlib';
import { createRoamHistory, type RoamMessage } from './tencent-roam-history';
import type { AnswerAfter } from './standin-controls';

export type { RoamMessage };

/**
 * A stand-in for Tencent Cloud IM's group history REST API, `v4/group_open_http_svc/group_msg_get_simple`,
 * from its documentation (docs/protocols/backfill.md): the App admin's UserSig (TLSSigAPIv2) in the
 * query, checked like Tencent does (HMAC-SHA256 over identifier, app, time and expiry; expired or
 * forged: ErrorCode 70001), `ReqMsgNumber` capped at 20, messages with
 * `MsgSeq <= ReqMsgSeq` newest first (the latest when `ReqMsgSeq` is absent), `IsPlaceMsg` 1 for a
 * deleted message, 10010 for an unknown group, AVChatRoom refused (no history), and the documented
 * 200 calls a second counted per clock second (calls over it are refused and counted in `overLimit`;
 * the page does not give the refusal's code, the stand-in uses 20004). Messages are added with `send`, which numbers them per group as Tencent does.
 * It also answers the one-to-one roaming history, `v4/openim/admin_getroammsg` (`tencent-roam-history.ts`),
 * with the same admin auth and its own 200 calls a second; one-to-one messages are added with `sendC2C`.
 */
export interface HistoryMessage {
  readonly From_Account: string;
  readonly IsPlaceMsg: number;
  readonly MsgBody: unknown[];
  readonly MsgPriority: number;
  readonly MsgRandom: number;
  readonly MsgSeq: number;
  readonly MsgTimeStamp: number;
}

export interface TencentHistoryStandin {
  readonly url: string;
  readonly sdkAppId: number;
  readonly identifier: string;
  readonly key: string;
  /** Calls answered, and calls refused for the frequency limit. */
  readonly calls: number;
  readonly overLimit: number;
  /** Adds a group (Public by default; AVChatRoom keeps no history). */
  group(groupId: string, type?: string): void;
  /** A new message in the group, numbered one above the last; returns it. */
  send(groupId: string, from: string, text: string, atSeconds: number): HistoryMessage;
  /** Marks a stored message deleted (a placeholder from then on). */
  remove(groupId: string, seq: number): void;
  /** A one-to-one message kept in the roaming history; returns it. */
  sendC2C(from: string, to: string, text: string, atSeconds: number): RoamMessage;
  /** Marks a one-to-one message recalled. */
  recall(message: RoamMessage): void;
  /** Calls of admin_getroammsg answered. */
  readonly roamCalls: number;
  close(): Promise<void>;
}

const fail = (code: number, info: string) => ({ ActionStatus: 'FAIL', ErrorCode: code, ErrorInfo: info });

function userSigValid(sig: string, key: string, sdkAppId: number, identifier: string, nowSeconds: number): boolean {
  try {
    const doc = JSON.parse(inflateSync(Buffer.from(sig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '='), 'base64')).toString()) as Record<string, unknown>;
    const signed = `TLS.identifier:${String(doc['TLS.identifier'])}\nTLS.sdkappid:${String(doc['TLS.sdkappid'])}\nTLS.time:${String(doc['TLS.time'])}\nTLS.expire:${String(doc['TLS.expire'])}\n`;
    const expected = createHmac('sha256', key).update(signed).digest();
    const given = Buffer.from(String(doc['TLS.sig']), 'base64');
    const fresh = Number(doc['TLS.time']) + Number(doc['TLS.expire']) > nowSeconds;
    return given.length === expected.length && timingSafeEqual(given, expected) && doc['TLS.identifier'] === identifier && doc['TLS.sdkappid'] === sdkAppId && fresh;
  } catch {
    return false;
  }
}

export async function startTencentHistoryStandin(options: { perSecond?: number; clock?: () => number; answerAfter?: AnswerAfter } = {}): Promise<TencentHistoryStandin> {
  const answerAfter = options.answerAfter ?? ((send: () => void) => send());
  const sdkAppId = 1400000001;
  const identifier = 'administrator';
  const key = 'standin-secret-key-0123456789abcdef';
  const perSecond = options.perSecond ?? 200;
  const clock = options.clock ?? Date.now;
  const groups = new Map<string, { type: string; messages: HistoryMessage[] }>();
  let calls = 0;
  let overLimit = 0;
  let roamCalls = 0;
  const roam = createRoamHistory(clock);
  /** Calls in the current clock second, per API (each has its own limit). */
  const seconds = new Map<string, { second: number; calls: number }>();

  /** The checks every REST call passes first: the query, the admin's UserSig, the API's frequency limit. */
  function refused(api: string, query: URLSearchParams): object | undefined {
    if (query.get('sdkappid') !== String(sdkAppId) || query.get('contenttype') !== 'json' || !/^\d+$/.test(query.get('random') ?? '')) return fail(10004, 'invalid request parameters');
    if (!userSigValid(query.get('usersig') ?? '', key, sdkAppId, query.get('identifier') ?? '', Math.floor(clock() / 1000)) || query.get('identifier') !== identifier) return fail(70001, 'usersig is invalid or expired');
    const now = Math.floor(clock() / 1000);
    const counted = seconds.get(api);
    const inSecond = counted?.second === now ? counted.calls + 1 : 1;
    seconds.set(api, { second: now, calls: inSecond });
    if (inSecond > perSecond) return (overLimit += 1), fail(20004, 'request frequency over the limit');
    return undefined;
  }

  function answer(body: Record<string, unknown>): object {
    calls += 1;
    const group = groups.get(String(body['GroupId']));
    if (group === undefined) return fail(10010, 'the group does not exist or was dismissed');
    if (group.type === 'AVChatRoom') return fail(10007, 'AVChatRoom groups keep no message history');
    const count = Number(body['ReqMsgNumber']);
    if (!Number.isInteger(count) || count < 1) return fail(10004, 'ReqMsgNumber is required');
    const top = body['ReqMsgSeq'] === undefined ? Infinity : Number(body['ReqMsgSeq']);
    const list = group.messages.filter((m) => m.MsgSeq <= top).reverse().slice(0, Math.min(count, 20));
    const lowest = list.at(-1)?.MsgSeq ?? 0;
    return { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0, GroupId: body['GroupId'], IsFinished: lowest <= 1 ? 1 : 0, RspMsgList: list };
  }

  function addGroup(groupId: string, type = 'Public') {
    const group = groups.get(groupId) ?? { type, messages: [] };
    groups.set(groupId, group);
    return group;
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://standin');
      let reply: object;
      const api = { '/v4/group_open_http_svc/group_msg_get_simple': answer, '/v4/openim/admin_getroammsg': (body: Record<string, unknown>) => ((roamCalls += 1), roam.answer(body)) }[url.pathname];
      if (req.method !== 'POST' || api === undefined) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
        reply = refused(url.pathname, url.searchParams) ?? api(body);
      } catch {
        reply = url.pathname.startsWith('/v4/openim/') ? fail(90001, 'the body is not JSON') : fail(10004, 'the body is not JSON');
      }
      const text = JSON.stringify(reply);
      answerAfter(() => {
        if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end(text);
      });
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, sdkAppId, identifier, key,
    get calls() {
      return calls;
    },
    get overLimit() {
      return overLimit;
    },
    get roamCalls() {
      return roamCalls;
    },
    sendC2C: roam.send,
    recall: roam.recall,
    group: addGroup,
    send(groupId, from, text, atSeconds) {
      const group = addGroup(groupId);
      const message: HistoryMessage = {
        From_Account: from, IsPlaceMsg: 0, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }], MsgPriority: 1,
        MsgRandom: Math.floor(Math.random() * 2 ** 31), MsgSeq: (group.messages.at(-1)?.MsgSeq ?? 0) + 1, MsgTimeStamp: atSeconds,
      };
      group.messages.push(message);
      return message;
    },
    remove(groupId, seq) {
      const group = groups.get(groupId);
      const i = group?.messages.findIndex((m) => m.MsgSeq === seq) ?? -1;
      if (group && i >= 0) group.messages[i] = { ...group.messages[i]!, IsPlaceMsg: 1, MsgBody: [] };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
