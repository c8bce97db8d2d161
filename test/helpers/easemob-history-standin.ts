import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/**
 * A stand-in for Easemob's history-file API, from its documentation
 * (https://doc.easemob.com/document/server-side/message_historical.html, docs/protocols/backfill.md):
 * the app token (`POST /{org}/{app}/token`), `GET /{org}/{app}/chatmessages/{yyyyMMddHH}` with the
 * token (hours named in Beijing time, or UTC for an overseas cluster), answering the download URL of
 * the hour's file (`data[0].url`, signed with `Expires`) once the injected clock is past the hour's
 * end + `delayMs`; before that, and after the retention, 400 `illegal_argument` "… maybe chat message
 * history is expired or unstored"; 404 `storage_object_not_found` for an hour without messages;
 * 400 for a malformed time; 401 for a missing or expired token; 429 `reach_limit` over the documented
 * 10 calls a minute per App Key (counted per clock minute). The file is gzip JSON lines, one record
 * per message (`msg_id`, `timestamp`, `direction`, `to`, `from`, `chat_type`, `payload` with `bodies`,
 * `ext`, `from`, `to`). Messages are added with `send`; each can also be POSTed to a gateway as the
 * post-send callback Easemob would have sent, signed with the rule's secret.
 */
export interface StoredMessage {
  readonly msg_id: string;
  readonly timestamp: number;
  readonly direction: 'outgoing';
  readonly to: string;
  readonly from: string;
  readonly chat_type: 'chat' | 'groupchat' | 'chatroom';
  readonly payload: { readonly bodies: readonly Record<string, unknown>[]; readonly ext: Record<string, unknown>; readonly from: string; readonly to: string };
}

export interface HistoryStandinOptions {
  readonly clock: () => number;
  /** From an hour's end until its file is stored (default 70 minutes). */
  readonly delayMs?: number;
  readonly retentionMs?: number;
  readonly timeZone?: 'Asia/Shanghai' | 'UTC';
  readonly perMinute?: number;
}

const hourMs = 3_600_000;
type Reply = { status: number; body: unknown; type?: string };

export async function startEasemobHistoryStandin(options: HistoryStandinOptions) {
  const org = 'acme';
  const app = 'chatapp';
  const appKey = `${org}#${app}`;
  const clientId = 'YXA6-history-client';
  const clientSecret = 'YXA6-history-secret';
  const { clock } = options;
  const delayMs = options.delayMs ?? 70 * 60_000;
  const retentionMs = options.retentionMs ?? 3 * 86_400_000;
  const zoneMs = (options.timeZone ?? 'Asia/Shanghai') === 'UTC' ? 0 : 8 * hourMs;
  const perMinute = options.perMinute ?? 10;
  const messages: StoredMessage[] = [];
  const tokens = new Map<string, number>();
  const calls = new Map<number, number>();
  const counts = { chatmessages: 0, overLimit: 0, downloads: 0, tokens: 0 };
  /** Bytes served instead of every file from now on (a damaged or hostile file), or undefined. */
  let replacement: Buffer | undefined;
  let nextId = 1_300_000_000_000_000_001n;
  let base = '';

  const error = (status: number, code: string, description: string): Reply => ({ status, body: { error: code, exception: 'StandinException', timestamp: clock(), duration: 0, error_description: description } });

  function chatmessages(time: string, headers: IncomingHttpHeaders): Reply {
    const token = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : tokens.get(token);
    if (expiresAt === undefined || clock() >= expiresAt) return error(401, 'unauthorized', 'Unable to authenticate due to expired access token');
    const minute = Math.floor(clock() / 60_000);
    if ((calls.get(minute) ?? 0) >= perMinute) {
      counts.overLimit += 1;
      return error(429, 'reach_limit', 'This request has reached api limit');
    }
    calls.set(minute, (calls.get(minute) ?? 0) + 1);
    counts.chatmessages += 1;
    const m = /^(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(time);
    const hour = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4])) - zoneMs : NaN;
    if (!Number.isFinite(hour)) return error(400, 'illegal_argument', `illegal arguments: appkey: ${appKey}, time: ${time}`);
    const end = hour + hourMs;
    if (clock() < end + delayMs || clock() >= end + retentionMs) return error(400, 'illegal_argument', `illegal arguments: appkey: ${appKey}, time: ${time}, maybe chat message history is expired or unstored`);
    if (!messages.some((message) => message.timestamp >= hour && message.timestamp < end)) return error(404, 'storage_object_not_found', `Failed to find chat message history download url for appkey: ${appKey}, time: ${time}`);
    const expires = Math.floor(clock() / 1000) + 1800;
    const signature = createHash('sha256').update(`${hour}:${expires}`).digest('hex');
    return { status: 200, body: { action: 'get', application: '8be024f0-e978-11e8-b697-5d598d5f8402', uri: `${base}/${org}/${app}/chatmessages/${time}`, data: [{ url: `${base}/oss/${hour}.gz?Expires=${expires}&OSSAccessKeyId=standin&Signature=${signature}` }], timestamp: clock(), duration: 0, organization: org, applicationName: app } };
  }

  function download(hour: number, query: URLSearchParams): Reply {
    const expires = Number(query.get('Expires'));
    const signed = createHash('sha256').update(`${hour}:${expires}`).digest('hex') === query.get('Signature');
    if (!signed || expires * 1000 < clock()) return { status: 403, body: '<Error><Code>AccessDenied</Code><Message>Request has expired.</Message></Error>', type: 'application/xml' };
    counts.downloads += 1;
    const lines = messages.filter((message) => message.timestamp >= hour && message.timestamp < hour + hourMs).map((message) => JSON.stringify(message));
    return { status: 200, body: replacement ?? gzipSync(lines.join('\n') + '\n'), type: 'application/octet-stream' };
  }

  function route(method: string, url: URL, headers: IncomingHttpHeaders, text: string): Reply {
    const oss = /^\/oss\/(\d+)\.gz$/.exec(url.pathname);
    if (oss && method === 'GET') return download(Number(oss[1]), url.searchParams);
    const match = /^\/([^/]+)\/([^/]+)\/(token|chatmessages\/([^/]*))$/.exec(url.pathname);
    if (!match || match[1] !== org || match[2] !== app) return error(404, 'organization_application_not_found', `Could not find application for ${url.pathname}`);
    if (match[3] === 'token' && method === 'POST') {
      counts.tokens += 1;
      const json = JSON.parse(text || '{}') as Record<string, unknown>;
      if (json.grant_type !== 'client_credentials' || json.client_id !== clientId || json.client_secret !== clientSecret) return error(400, 'invalid_grant', 'client_id does not match');
      const token = `YWMt-history-${randomUUID()}`;
      tokens.set(token, clock() + 86_400_000);
      return { status: 200, body: { access_token: token, expires_in: 86_400, application: '8be024f0-e978-11e8-b697-5d598d5f8402' } };
    }
    if (match[4] !== undefined && method === 'GET') return chatmessages(match[4], headers);
    return error(405, 'method_not_allowed', 'Method not allowed');
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = route(req.method ?? '', new URL(req.url ?? '/', 'http://standin'), req.headers, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(reply.status, { 'content-type': reply.type ?? 'application/json' });
      res.end(Buffer.isBuffer(reply.body) || typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    org,
    app,
    appKey,
    clientId,
    clientSecret,
    counts,
    messages,
    /** A message sent now (on the injected clock), kept for its hour's file. */
    send(chatType: StoredMessage['chat_type'], from: string, to: string, text: string): StoredMessage {
      const message: StoredMessage = { msg_id: String(nextId++), timestamp: clock(), direction: 'outgoing', to, from, chat_type: chatType, payload: { bodies: [{ type: 'txt', msg: text }], ext: {}, from, to } };
      messages.push(message);
      return message;
    },
    /** The post-send callback Easemob would POST for `message`, signed with the callback rule's `secret`. */
    callbackOf(message: StoredMessage, secret: string): Record<string, unknown> {
      const callId = `${appKey}_${randomUUID()}`;
      const group = message.chat_type !== 'chat';
      const word = { chat: 'user', groupchat: 'group', chatroom: 'room' }[message.chat_type];
      return {
        callId, eventType: 'chat', timestamp: message.timestamp, chat_type: group ? 'groupchat' : 'chat', ...(group ? { group_id: message.to } : {}),
        from: message.from, to: message.to, msg_id: message.msg_id, payload: { ext: message.payload.ext, bodies: message.payload.bodies },
        securityVersion: '1.0.0', security: createHash('md5').update(callId + secret + String(message.timestamp)).digest('hex'),
        appkey: appKey, host: 'msync@standin', content_type: `chat:${word}:${String(message.payload.bodies[0]?.type)}`,
      };
    },
    /** Every issued token stops working now (Easemob may end a token before `expires_in`). */
    expireTokens(): void {
      for (const token of tokens.keys()) tokens.set(token, -Infinity);
    },
    /** Serves `bytes` instead of every file from now on (undefined: the real files again). */
    replaceFiles(bytes: Buffer | undefined): void {
      replacement = bytes;
    },
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type EasemobHistoryStandin = Awaited<ReturnType<typeof startEasemobHistoryStandin>>;
