import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { standinControls, type AnswerAfter } from './standin-controls';
import { apiCheckSum, callbackHeaders } from './netease-signing';

/**
 * A stand-in for NetEase Yunxin's history APIs, written from their documentation
 * (docs/protocols/backfill.md): `POST /nimserver/history/querySessionMsg.action` (`from`, `to`: both
 * directions of the pair), `/nimserver/history/queryTeamMsg.action` and
 * `/nimserver/superteam/queryHistoryMsg.action` (`tid`, `accid`), form-encoded, with `begintime`,
 * `endtime` (ms, both included; begintime after endtime: 414 "bad time"), `limit` (1–100, else 414),
 * `reverse` (1 oldest first, 2 or absent newest first, else 414) and `excludeMsgid` (the anchor: messages
 * at the page's boundary time up to and including that one are left out). The AppKey/Nonce/CurTime/
 * CheckSum headers are checked as NetEase does (CheckSum = sha1(AppSecret + Nonce + CurTime); a wrong
 * one, an unknown AppKey or a CurTime more than 5 minutes off: 403; a repeated Nonce: 431). An unknown
 * team or super team: 803. Calls over `perSecond` (counted per clock second, all APIs together) are
 * refused with 416. Answers: HTTP 200 with `{code: 200, size, msgs}` (ids as 64-bit JSON numbers, as
 * NetEase writes them) or `{code, desc}`. Messages are added with `send`, which can also POST the
 * eventType 1 copy (消息抄送) to a gateway, signed with MD5 and CheckSum = sha1(AppSecret + MD5 + CurTime).
 */
export interface StoredMessage {
  readonly convType: 'PERSON' | 'TEAM' | 'SUPER_TEAM';
  readonly from: string;
  /** The receiving account, or the team id. */
  readonly to: string;
  readonly msgid: bigint;
  readonly msgidClient: string;
  readonly sendtime: number;
  readonly type: number;
  readonly body: Record<string, unknown>;
  readonly ext?: string;
}

export interface NeteaseHistoryStandinOptions {
  readonly perSecond?: number;
  readonly clock?: () => number;
  /** Where `send` POSTs the copy when asked to. */
  readonly callback?: { readonly url: string };
  /** How each answer goes out (a benchmark delays it by a network's round trip); default at once. */
  readonly answerAfter?: AnswerAfter;
}

const paths: Readonly<Record<string, 'session' | 'team' | 'superteam'>> = {
  '/nimserver/history/querySessionMsg.action': 'session',
  '/nimserver/history/queryTeamMsg.action': 'team',
  '/nimserver/superteam/queryHistoryMsg.action': 'superteam',
};
const typeNames: Readonly<Record<number, string>> = { 0: 'TEXT', 1: 'PICTURE', 2: 'AUDIO', 3: 'VIDEO', 4: 'LOCATION', 6: 'FILE', 100: 'CUSTOM' };
const fail = (code: number, desc: string) => ({ code, desc });

/** The stand-in app's AppKey and AppSecret (a gateway that takes its copies is configured with them before the stand-in starts). */
export const historyStandinApp = { appKey: 'b2c3d4e5f60718293a4b5c6d7e8f90a1', appSecret: 'history-standin-secret' } as const;

export async function startNeteaseHistoryStandin(options: NeteaseHistoryStandinOptions = {}) {
  const { appKey, appSecret } = historyStandinApp;
  const clock = options.clock ?? Date.now;
  const perSecond = options.perSecond ?? 100;
  const messages: StoredMessage[] = [];
  const teams = new Map<string, 'TEAM' | 'SUPER_TEAM'>();
  const nonces = new Map<string, number>();
  const controls = standinControls({ answerAfter: options.answerAfter });
  const requests: { api: string; form: Record<string, string>; code: number }[] = [];
  let second = -1;
  let inSecond = 0;
  let nextId = 9_007_199_254_740_993n; // beyond 2^53: a client that reads ids as numbers gets them wrong
  // Each conversation's messages in the order the history gives them (send time, then id), so that a
  // page is a binary search and a slice, not a scan of every message (a benchmark stores 100,000).
  const conversations = new Map<string, { list: StoredMessage[]; sorted: boolean }>();
  const conversationKey = (m: Pick<StoredMessage, 'convType' | 'from' | 'to'>): string => (m.convType === 'PERSON' ? `person:${[m.from, m.to].sort().join(':')}` : `team:${m.to}`);
  const conversation = (key: string): StoredMessage[] => {
    const entry = conversations.get(key);
    if (entry === undefined) return [];
    if (!entry.sorted) entry.list.sort((x, y) => x.sendtime - y.sendtime || Number(x.msgid - y.msgid));
    entry.sorted = true;
    return entry.list;
  };
  /** The index of the first message sent at `at` or later. */
  const firstAt = (list: readonly StoredMessage[], at: number): number => {
    let [low, high] = [0, list.length];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((list[middle] as StoredMessage).sendtime < at) low = middle + 1;
      else high = middle;
    }
    return low;
  };

  function authenticate(headers: IncomingHttpHeaders) {
    const header = (name: string) => String(headers[name] ?? '');
    const [key, nonce, curTime, checkSum] = [header('appkey'), header('nonce'), header('curtime'), header('checksum')];
    if (key !== appKey) return fail(403, 'appkey invalid');
    if (!/^\d{1,12}$/.test(curTime) || Math.abs(Number(curTime) - clock() / 1000) > 300) return fail(403, 'curtime expired');
    if (nonce === '' || nonce.length > 128 || checkSum !== apiCheckSum(appSecret, nonce, curTime)) return fail(403, 'checksum error');
    for (const [seen, at] of nonces) if (clock() - at > 300_000) nonces.delete(seen);
    if (nonces.has(nonce)) return fail(431, 'http duplicate request');
    nonces.set(nonce, clock());
    return undefined;
  }

  function query(api: 'session' | 'team' | 'superteam', form: URLSearchParams) {
    const [begin, end, limit, reverse] = ['begintime', 'endtime', 'limit', 'reverse'].map((name) => form.get(name));
    if (!/^\d+$/.test(begin ?? '') || !/^\d+$/.test(end ?? '')) return fail(414, 'begintime and endtime are required');
    if (Number(begin) > Number(end)) return fail(414, 'bad time');
    if (!/^\d+$/.test(limit ?? '') || Number(limit) < 1 || Number(limit) > 100) return fail(414, 'limit must be 1-100');
    if (reverse !== null && reverse !== '1' && reverse !== '2') return fail(414, 'reverse must be 1 or 2');
    let key: string;
    if (api === 'session') {
      const [a, b] = [form.get('from') ?? '', form.get('to') ?? ''];
      if (a === '' || b === '') return fail(414, 'from and to are required');
      key = conversationKey({ convType: 'PERSON', from: a, to: b });
    } else {
      const tid = form.get('tid') ?? '';
      if ((form.get('accid') ?? '') === '') return fail(414, 'accid is required');
      if (teams.get(tid) !== (api === 'team' ? 'TEAM' : 'SUPER_TEAM')) return fail(803, 'team not exist');
      key = conversationKey({ convType: 'TEAM', from: '', to: tid });
    }
    const all = conversation(key);
    let list = all.slice(firstAt(all, Number(begin)), firstAt(all, Number(end) + 1));
    if (reverse !== '1') list.reverse();
    const anchor = list.findIndex((m) => String(m.msgid) === form.get('excludeMsgid'));
    if (anchor >= 0) list = list.slice(anchor + 1);
    const page = list.slice(0, Number(limit));
    return { code: 200, size: page.length, ...(api === 'session' ? {} : { tid: Number(form.get('tid')) }), msgs: page.map(wire) };
  }

  /** One message as the answer carries it: `msgid` a bare 64-bit number (written by hand: JSON.stringify cannot). */
  function wire(m: StoredMessage): Record<string, unknown> {
    return { from: m.from, to: m.to, msgid: `#${m.msgid}#`, msgidclient: m.msgidClient, sendtime: m.sendtime, type: m.type, body: m.body, ...(m.ext === undefined ? {} : { ext: m.ext }) };
  }

  function handle(path: string, headers: IncomingHttpHeaders, text: string): Record<string, unknown> {
    const api = paths[path];
    if (api === undefined) return fail(404, `no such api ${path}`);
    const refused = authenticate(headers);
    if (refused) return refused;
    if (!String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return fail(414, 'content-type must be form');
    const now = Math.floor(clock() / 1000);
    if (now !== second) [second, inSecond] = [now, 0];
    if ((inSecond += 1) > perSecond) return fail(416, 'api frequency control');
    return query(api, new URLSearchParams(text));
  }

  function copyToGateway(m: StoredMessage): void {
    if (!options.callback) return;
    const type = typeNames[m.type] ?? 'CUSTOM';
    const copy = {
      eventType: '1', convType: m.convType, to: m.to, fromAccount: m.from, fromClientType: 'AOS', fromDeviceId: 'standin-device', fromNick: m.from,
      msgTimestamp: String(m.sendtime), msgType: type, body: type === 'TEXT' ? String(m.body['msg'] ?? '') : '', attach: type === 'TEXT' ? '' : JSON.stringify(m.body),
      msgidClient: m.msgidClient, msgidServer: String(m.msgid), resendFlag: '0', ...(m.ext === undefined ? {} : { ext: m.ext }),
    };
    const text = JSON.stringify(copy);
    const headers = callbackHeaders(appKey, appSecret, text);
    controls.callback(options.callback.url, { headers, body: text }, copy);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] as string;
      const text = Buffer.concat(chunks).toString('utf8');
      const reply = req.method === 'POST' ? handle(path, req.headers, text) : fail(405, 'POST only');
      requests.push({ api: paths[path] ?? path, form: Object.fromEntries(new URLSearchParams(text)), code: reply.code as number });
      controls.answer(() => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' });
        res.end(JSON.stringify(reply).replace(/"#(\d+)#"/g, '$1'));
      });
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    appKey,
    appSecret,
    messages,
    /** Every call with its form and the code answered. */
    requests,
    ...controls.api,
    /** Creates a team (`TEAM`) or super team (`SUPER_TEAM`). */
    team(tid: string, kind: 'TEAM' | 'SUPER_TEAM' = 'TEAM'): void {
      teams.set(tid, kind);
    },
    /** Stores a message (a text `{msg}` unless `type`/`body` say otherwise); `callback: true` also POSTs its copy to the gateway. */
    send(m: { convType: StoredMessage['convType']; from: string; to: string; sendtime: number; text?: string; type?: number; body?: Record<string, unknown>; ext?: string; callback?: boolean }): StoredMessage {
      nextId += 1n;
      const stored: StoredMessage = {
        convType: m.convType, from: m.from, to: m.to, msgid: nextId, msgidClient: `client-${nextId}`, sendtime: m.sendtime, type: m.type ?? 0,
        body: m.body ?? { msg: m.text ?? `message ${nextId}` }, ...(m.ext === undefined ? {} : { ext: m.ext }),
      };
      messages.push(stored);
      const key = conversationKey(stored);
      const entry = conversations.get(key) ?? { list: [], sorted: true };
      conversations.set(key, entry);
      const last = entry.list.at(-1);
      if (last !== undefined && last.sendtime > stored.sendtime) entry.sorted = false;
      entry.list.push(stored);
      if (m.callback === true) copyToGateway(stored);
      return stored;
    },
    /** POSTs the copy of a stored message to the gateway now (a late callback). */
    callbackFor(m: StoredMessage): void {
      copyToGateway(m);
    },
    close: () => controls.close(server),
  };
}

export type NeteaseHistoryStandin = Awaited<ReturnType<typeof startNeteaseHistoryStandin>>;
