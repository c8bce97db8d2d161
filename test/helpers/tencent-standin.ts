import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { standinControls } from './standin-controls';
import { inflateSync } from 'node:zlib';

/**
 * A stand-in for Tencent Cloud IM's REST API (the vendor's cloud), written from docs/protocols/tencent-rest.md:
 * `v4/openim/sendmsg`, `importmsg`, `group_open_http_svc/send_group_msg` and `import_group_msg` on
 * `?sdkappid&identifier&usersig&random&contenttype=json`; the admin UserSig checked as Tencent
 * documents it (zlib-deflated JSON in Tencent's base64 variant, HMAC-SHA256 over the TLS.* lines, the
 * TLS.time + TLS.expire lifetime) with its error codes (70001, 70003, 70009, 70013, 70014); 60006 for
 * another SDKAppID, 60010 for an account that is not an App admin; 200 calls per second per command
 * (60007 beyond, in fixed windows aligned to the clock); the required fields of each command (90001,
 * 90003, 90005, 90007, 90012 for an unknown account, 10010 for an unknown group, 80002 over 12 KB);
 * answers always HTTP 200 with ActionStatus/ErrorCode/ErrorInfo. Every request is recorded. Optionally
 * it POSTs the after-send callback of each message it accepted through a send command to a gateway,
 * signed with the callback token (Sign = sha256(token + RequestTime)); imports raise no callback.
 */

export type Command = 'sendmsg' | 'send_group_msg' | 'importmsg' | 'import_group_msg';
const commands: Readonly<Record<string, Command>> = {
  '/v4/openim/sendmsg': 'sendmsg',
  '/v4/openim/importmsg': 'importmsg',
  '/v4/group_open_http_svc/send_group_msg': 'send_group_msg',
  '/v4/group_open_http_svc/import_group_msg': 'import_group_msg',
};

export interface TencentStandinOptions {
  readonly sdkAppId?: number;
  readonly secretKey?: string;
  readonly admins?: readonly string[];
  /** Accounts and groups that exist (every id when unset). */
  readonly accounts?: readonly string[];
  readonly groups?: readonly string[];
  readonly callsPerSecond?: number;
  readonly clock?: () => number;
  readonly callback?: { readonly url: string; readonly token: string };
}

export interface TencentAccepted {
  readonly command: Command;
  readonly body: Record<string, unknown>;
  readonly at: number;
}

type Reply = Record<string, unknown>;
const fail = (code: number, info: string): Reply => ({ ActionStatus: 'FAIL', ErrorCode: code, ErrorInfo: info });

/** Decodes a UserSig as Tencent does: base64 with `*`→`+`, `-`→`/`, `_`→`=`, then zlib inflate, then JSON. */
export function decodeUserSig(sig: string): Record<string, unknown> {
  const base64 = sig.replaceAll('*', '+').replaceAll('-', '/').replaceAll('_', '=');
  return JSON.parse(inflateSync(Buffer.from(base64, 'base64')).toString('utf8')) as Record<string, unknown>;
}

/** The UserSig's error code, or 0 when it is valid for `identifier` on `sdkAppId` at `nowSeconds`. */
export function checkUserSig(sig: string, identifier: string, sdkAppId: number, secretKey: string, nowSeconds: number): number {
  let doc: Record<string, unknown>;
  try {
    doc = decodeUserSig(sig);
  } catch {
    return 70003;
  }
  const { 'TLS.identifier': id, 'TLS.sdkappid': app, 'TLS.time': time, 'TLS.expire': expire, 'TLS.sig': mac } = doc;
  if (typeof id !== 'string' || typeof app !== 'number' || typeof time !== 'number' || typeof expire !== 'number' || typeof mac !== 'string') return 70003;
  if (id !== identifier) return 70013;
  if (app !== sdkAppId) return 70014;
  const lines = `TLS.identifier:${id}\nTLS.sdkappid:${app}\nTLS.time:${time}\nTLS.expire:${expire}\n`;
  const expected = createHmac('sha256', secretKey).update(lines).digest();
  const given = Buffer.from(mac, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 70009;
  if (time + expire < nowSeconds) return 70001;
  return 0;
}

export async function startTencentStandin(options: TencentStandinOptions = {}) {
  const sdkAppId = options.sdkAppId ?? 1400000077;
  const secretKey = options.secretKey ?? '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
  const admins = new Set(options.admins ?? ['administrator']);
  const clock = options.clock ?? Date.now;
  const callsPerSecond = options.callsPerSecond ?? 200;
  const accepted: TencentAccepted[] = [];
  const answers: { command: Command | undefined; code: number }[] = [];
  const controls = standinControls();
  const windows = new Map<string, number>();
  const script: number[] = [];
  let seq = 0;

  const known = (list: readonly string[] | undefined, id: unknown) => typeof id === 'string' && id !== '' && (list === undefined || list.includes(id));

  function overQuota(command: Command): boolean {
    const key = `${command}:${Math.floor(clock() / 1000)}`;
    const used = (windows.get(key) ?? 0) + 1;
    windows.set(key, used);
    return used > callsPerSecond;
  }

  function validate(command: Command, body: Record<string, unknown>): Reply | undefined {
    const msgBodyOk = (value: unknown) => Array.isArray(value) && value.length > 0;
    if (command === 'sendmsg' || command === 'importmsg') {
      if (typeof body.To_Account !== 'string') return fail(90003, 'To_Account is missing');
      if (!Number.isInteger(body.MsgRandom)) return fail(90005, 'MsgRandom is missing or not an integer');
      if (!msgBodyOk(body.MsgBody)) return fail(90007, 'MsgBody is not an array');
      if (command === 'importmsg' && (!known(options.accounts, body.From_Account) || !Number.isInteger(body.MsgTimeStamp))) return fail(90008, 'From_Account or MsgTimeStamp invalid');
      if (!known(options.accounts, body.To_Account) || (body.From_Account !== undefined && !known(options.accounts, body.From_Account))) return fail(90012, 'To_Account or From_Account is not registered');
    } else if (command === 'send_group_msg') {
      if (!Number.isInteger(body.Random)) return fail(10004, 'Random is missing');
      if (!msgBodyOk(body.MsgBody)) return fail(10004, 'MsgBody is not an array');
      if (!known(options.groups, body.GroupId)) return fail(10010, 'group does not exist');
    } else {
      const list = body.MsgList as Record<string, unknown>[] | undefined;
      if (!Array.isArray(list) || list.length === 0 || !list.every((m) => typeof m.From_Account === 'string' && Number.isInteger(m.SendTime) && msgBodyOk(m.MsgBody))) return fail(10004, 'MsgList invalid');
      if (!known(options.groups, body.GroupId)) return fail(10010, 'group does not exist');
    }
    const bodies = command === 'import_group_msg' ? (body.MsgList as { MsgBody: unknown }[]).map((m) => m.MsgBody) : [body.MsgBody];
    if (bodies.some((b) => Buffer.byteLength(JSON.stringify(b)) > 12 * 1024)) return fail(80002, 'message is too long');
    return undefined;
  }

  function handle(path: string, query: URLSearchParams, text: string): Reply {
    const command = commands[path];
    if (!command) return fail(60009, `no such command ${path}`);
    if (query.get('contenttype') !== 'json' || !/^\d{1,10}$/.test(query.get('random') ?? '') || Number(query.get('random')) > 4294967295) return fail(60002, 'HTTP request invalid: random or contenttype');
    if (Number(query.get('sdkappid')) !== sdkAppId) return fail(60006, 'SDKAppID invalid');
    const identifier = query.get('identifier') ?? '';
    const sigCode = checkUserSig(query.get('usersig') ?? '', identifier, sdkAppId, secretKey, Math.floor(clock() / 1000));
    if (sigCode !== 0) return fail(sigCode, 'UserSig check failed');
    if (!admins.has(identifier)) return fail(60010, 'the request requires App admin permission');
    if (overQuota(command)) return fail(60007, 'REST API call frequency over the limit');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return fail(90001, 'JSON parsing failed');
    }
    const scripted = script.shift();
    if (scripted !== undefined) return fail(scripted, 'scripted');
    const invalid = validate(command, body);
    if (invalid) return invalid;
    seq += 1;
    const time = Math.floor(clock() / 1000);
    accepted.push({ command, body, at: clock() });
    if (command === 'sendmsg') {
      const key = `${seq}_${String(body.MsgRandom)}_${time}`;
      callback('C2C.CallbackAfterSendMsg', { From_Account: body.From_Account ?? identifier, To_Account: body.To_Account, MsgSeq: seq, MsgRandom: body.MsgRandom, MsgTime: time, MsgKey: key, OnlineOnlyFlag: 0, SendMsgResult: 0, ErrorInfo: 'send msg succeed', UnreadMsgNum: 1, MsgBody: body.MsgBody, CloudCustomData: body.CloudCustomData ?? '' });
      return { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0, MsgTime: time, MsgKey: key };
    }
    if (command === 'send_group_msg') {
      const from = body.From_Account ?? identifier;
      callback('Group.CallbackAfterSendMsg', { GroupId: body.GroupId, Type: 'Public', From_Account: from, Operator_Account: identifier, Random: body.Random, MsgSeq: seq, MsgTime: time, OnlineOnlyFlag: 0, MsgBody: body.MsgBody, CloudCustomData: body.CloudCustomData ?? '', EventTime: String(clock()) });
      return { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0, MsgTime: time, MsgSeq: seq };
    }
    if (command === 'import_group_msg') return { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0, MsgList: [{ MsgSeq: seq, MsgTime: (body.MsgList as { SendTime: number }[])[0]?.SendTime, Result: 0 }] };
    return { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 };
  }

  function callback(command: string, fields: Record<string, unknown>): void {
    if (!options.callback) return;
    const requestTime = String(Math.floor(Date.now() / 1000));
    const sign = createHash('sha256').update(options.callback.token + requestTime).digest('hex');
    const query = new URLSearchParams({ SdkAppid: String(sdkAppId), CallbackCommand: command, contenttype: 'json', ClientIP: '127.0.0.1', OptPlatform: 'RESTAPI', Sign: sign, RequestTime: requestTime });
    const body = { CallbackCommand: command, ...fields };
    controls.callback(`${options.callback.url}?${query.toString()}`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, body);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://standin');
      const reply = req.method === 'POST' ? handle(url.pathname, url.searchParams, Buffer.concat(chunks).toString('utf8')) : fail(60002, 'POST only');
      answers.push({ command: commands[url.pathname], code: reply.ErrorCode as number });
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply));
      };
      controls.answer(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    sdkAppId,
    secretKey,
    identifier: [...admins][0] as string,
    accepted,
    answers,
    ...controls.api,
    /** The next valid calls (past auth and quota) answer these error codes instead. */
    failNext(...codes: number[]): void {
      script.push(...codes);
    },
    close: () => controls.close(server),
  };
}

export type TencentStandin = Awaited<ReturnType<typeof startTencentStandin>>;
