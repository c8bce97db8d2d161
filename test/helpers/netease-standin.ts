import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { standinControls } from './standin-controls';
import { apiCheckSum, callbackHeaders } from './netease-signing';

/**
 * A stand-in for NetEase Yunxin's server API (the vendor's cloud), written from
 * docs/protocols/netease-rest.md: `POST /nimserver/msg/sendMsg.action` (ope 0 one-to-one, 1 team) and
 * `/nimserver/chatroom/sendMsg.action`, form-encoded; the AppKey/Nonce/CurTime/CheckSum headers checked
 * (CheckSum = sha1(AppSecret + Nonce + CurTime); a CurTime more than 5 minutes off, an unknown AppKey or
 * a wrong CheckSum is code 403, a repeated Nonce within 5 minutes 431); the parameters (414: missing,
 * unknown type, body not JSON or over 5,000 characters, ext over 1,024); unknown accounts 404, unknown
 * teams 803, unknown chat rooms 13002; a per-API quota per second (416 beyond, fixed windows aligned to the
 * clock). Answers are HTTP 200 with `{code, desc}` or `{code: 200, data}`. Every request is recorded.
 * Optionally it copies each accepted one-to-one or team message to a gateway as eventType 1 (消息抄送),
 * signed with MD5 and CheckSum = sha1(AppSecret + MD5 + CurTime) like NetEase.
 */

export type Api = 'p2p' | 'team' | 'chatroom';

export interface NeteaseStandinOptions {
  readonly appKey?: string;
  readonly appSecret?: string;
  readonly accounts?: readonly string[];
  readonly teams?: readonly string[];
  readonly rooms?: readonly string[];
  readonly callsPerSecond?: number;
  readonly clock?: () => number;
  /** Where to POST the message copy of each accepted one-to-one or team message. */
  readonly callback?: { readonly url: string };
}

export interface NeteaseAccepted {
  readonly api: Api;
  readonly form: Record<string, string>;
  readonly at: number;
}

const typeNames: Readonly<Record<string, string>> = { '0': 'TEXT', '1': 'PICTURE', '2': 'AUDIO', '3': 'VIDEO', '4': 'LOCATION', '6': 'FILE', '100': 'CUSTOM' };

export async function startNeteaseStandin(options: NeteaseStandinOptions = {}) {
  const appKey = options.appKey ?? 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const appSecret = options.appSecret ?? 'standin-app-secret';
  const clock = options.clock ?? Date.now;
  const callsPerSecond = options.callsPerSecond ?? 100;
  const accepted: NeteaseAccepted[] = [];
  const answers: { api: Api | undefined; code: number }[] = [];
  const controls = standinControls();
  const windows = new Map<string, number>();
  const nonces = new Map<string, number>();
  const script: number[] = [];
  let serverId = 6_120_031_988_000;

  const known = (list: readonly string[] | undefined, id: string | undefined) => id !== undefined && id !== '' && (list === undefined || list.includes(id));
  const fail = (code: number, desc: string) => ({ code, desc });

  function authenticate(headers: IncomingHttpHeaders): { code: number; desc: string } | undefined {
    const [key, nonce, curTime, checkSum] = ['appkey', 'nonce', 'curtime', 'checksum'].map((name) => String(headers[name] ?? ''));
    if (key !== appKey) return fail(403, 'appkey invalid');
    if (!/^\d{1,12}$/.test(curTime ?? '') || Math.abs(Number(curTime) - clock() / 1000) > 300) return fail(403, 'curtime expired');
    const expected = apiCheckSum(appSecret, nonce ?? '', curTime ?? '');
    if (nonce === '' || (nonce ?? '').length > 128 || checkSum !== expected) return fail(403, 'checksum error');
    const now = clock();
    for (const [seen, at] of nonces) if (now - at > 300_000) nonces.delete(seen);
    if (nonces.has(`${nonce}:${curTime}`)) return fail(431, 'http duplicate request');
    nonces.set(`${nonce}:${curTime}`, now);
    return undefined;
  }

  function validate(api: Api, form: URLSearchParams): { code: number; desc: string } | undefined {
    const type = form.get(api === 'chatroom' ? 'msgType' : 'type') ?? '';
    const body = form.get(api === 'chatroom' ? 'attach' : 'body') ?? '';
    if (!Object.hasOwn(typeNames, type)) return fail(414, 'type invalid');
    if (body.length > 5000) return fail(414, 'body too long');
    try {
      JSON.parse(body);
    } catch {
      return fail(414, 'body is not json');
    }
    if ((form.get('ext') ?? '').length > 1024) return fail(414, 'ext too long');
    if (api === 'chatroom') {
      if (!form.get('msgId')) return fail(414, 'msgId missing');
      if (!known(options.accounts, form.get('fromAccid') ?? undefined)) return fail(404, 'fromAccid not exist');
      if (!known(options.rooms, form.get('roomid') ?? undefined)) return fail(13002, 'chatroom closed or not exist');
      return undefined;
    }
    if (form.get('ope') !== (api === 'p2p' ? '0' : '1')) return fail(414, 'ope invalid');
    if (!known(options.accounts, form.get('from') ?? undefined)) return fail(404, 'from not exist');
    if (api === 'p2p' && !known(options.accounts, form.get('to') ?? undefined)) return fail(404, 'to not exist');
    if (api === 'team' && !known(options.teams, form.get('to') ?? undefined)) return fail(803, 'team not exist');
    return undefined;
  }

  function handle(path: string, headers: IncomingHttpHeaders, text: string): Record<string, unknown> {
    const form = new URLSearchParams(text);
    const api: Api | undefined = path === '/nimserver/chatroom/sendMsg.action' ? 'chatroom' : path === '/nimserver/msg/sendMsg.action' ? (form.get('ope') === '1' ? 'team' : 'p2p') : undefined;
    if (!api) return fail(404, `no such api ${path}`);
    const refused = authenticate(headers);
    if (refused) return refused;
    if (!String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return fail(414, 'content-type must be form');
    const window = `${api}:${Math.floor(clock() / 1000)}`;
    windows.set(window, (windows.get(window) ?? 0) + 1);
    if ((windows.get(window) ?? 0) > callsPerSecond) return fail(416, 'api frequency control');
    const scripted = script.shift();
    if (scripted !== undefined) return fail(scripted, 'scripted');
    const invalid = validate(api, form);
    if (invalid) return invalid;
    serverId += 1;
    accepted.push({ api, form: Object.fromEntries(form), at: clock() });
    if (api !== 'chatroom') copyToGateway(api, form, String(serverId));
    return api === 'chatroom' ? { code: 200, desc: { msgid_server: String(serverId), time: clock() } } : { code: 200, data: { msgid: serverId, timetag: clock(), antispam: false } };
  }

  function copyToGateway(api: Api, form: URLSearchParams, msgidServer: string): void {
    if (!options.callback) return;
    const type = typeNames[form.get('type') ?? ''] ?? 'TEXT';
    const body = JSON.parse(form.get('body') ?? '{}') as Record<string, unknown>;
    const copy = {
      eventType: '1',
      convType: api === 'p2p' ? 'PERSON' : 'TEAM',
      to: form.get('to') ?? '',
      fromAccount: form.get('from') ?? '',
      fromClientType: 'REST',
      fromDeviceId: '',
      fromNick: '',
      msgTimestamp: String(clock()),
      msgType: type,
      body: type === 'TEXT' ? String(body.msg ?? '') : '',
      attach: type === 'TEXT' ? '' : (form.get('body') ?? ''),
      msgidClient: randomUUID(),
      msgidServer,
      resendFlag: '0',
      ext: form.get('ext') ?? '',
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
      const reply = req.method === 'POST' ? handle(path, req.headers, Buffer.concat(chunks).toString('utf8')) : fail(405, 'POST only');
      const api = path.includes('chatroom') ? 'chatroom' : path.includes('/msg/') ? (new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('ope') === '1' ? 'team' : 'p2p') : undefined;
      answers.push({ api, code: reply.code as number });
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' });
        res.end(JSON.stringify(reply));
      };
      controls.answer(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    appKey,
    appSecret,
    accepted,
    answers,
    ...controls.api,
    /** The next valid calls (past auth and quota) answer these codes instead. */
    failNext(...codes: number[]): void {
      script.push(...codes);
    },
    close: () => controls.close(server),
  };
}

export type NeteaseStandin = Awaited<ReturnType<typeof startNeteaseStandin>>;
