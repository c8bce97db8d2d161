import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Event } from '../../src/events/event';
import type { NeutralMessage } from '../../src/events/message';

/**
 * A stand-in for Easemob's REST API (the vendor's cloud), faithful to shared/protocols/easemob.md:
 * the app token endpoint (`POST /{org}/{app}/token`, client credentials, expiry), the send endpoints
 * for users, chat rooms and chat groups with their per-call recipient limits, the 5 KB body + ext
 * limit, the documented quotas per App Key (429 `reach_limit` for calls per second, 403 "message send
 * reach limit" for message volume), 429 `resource_limited` for a plan limit, 401 for a missing, corrupt
 * or expired token, and the documented error body shape. Every request is recorded. Optionally it
 * POSTs the post-send callback of every message it accepted to a gateway, signed like Easemob does.
 *
 * Quota windows are fixed windows aligned to the clock (epoch second, epoch minute): Easemob does not
 * document its algorithm, and this is the common server implementation.
 */

export type Endpoint = 'users' | 'chatgroups' | 'chatrooms';

export interface EndpointLimits {
  readonly callsPerSecond: number;
  /** Messages (one per recipient) per `messageWindowMs`. */
  readonly messages: number;
  readonly messageWindowMs: number;
  readonly recipientsPerCall: number;
}

/** The documented quotas per App Key (shared/protocols/easemob.md §2.3). */
export const documentedLimits: Readonly<Record<Endpoint, EndpointLimits>> = {
  users: { callsPerSecond: 100, messages: 6000, messageWindowMs: 60_000, recipientsPerCall: 600 },
  chatgroups: { callsPerSecond: 20, messages: 20, messageWindowMs: 1000, recipientsPerCall: 3 },
  chatrooms: { callsPerSecond: 20, messages: 100, messageWindowMs: 1000, recipientsPerCall: 10 },
};

export interface StandinOptions {
  readonly org?: string;
  readonly app?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** `expires_in` when the token request has no `ttl` (the console setting); default 60 days. */
  readonly defaultTtlSeconds?: number;
  readonly clock?: () => number;
  readonly limits?: Partial<Record<Endpoint, Partial<EndpointLimits>>>;
  readonly tokenCallsPerSecond?: number;
  /** Where to POST the post-send callback of each accepted message, and the callback rule's secret. */
  readonly callback?: { readonly url: string; readonly secret: string };
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
  status: number;
  response: unknown;
}

/** A send the stand-in accepted, with the message id it created for each recipient. */
export interface AcceptedSend {
  readonly endpoint: Endpoint;
  readonly request: Record<string, unknown>;
  readonly ids: Record<string, string>;
}

export interface ScriptedReply {
  readonly status: number;
  readonly body?: unknown;
  /** Never answer (the client's timeout fires); the request is still recorded. */
  readonly hang?: boolean;
  /** Accept and store the send, then never answer: a timeout after delivery. */
  readonly acceptThenHang?: boolean;
  /** Accept and store the send, then answer with this `status` and `body` (e.g. a 200 without `data`). */
  readonly acceptThenAnswer?: boolean;
}

type Reply = { status: number; body: unknown };

const errorBody = (clock: () => number, error: string, description: string, exception: string) => ({
  error,
  exception,
  timestamp: clock(),
  duration: 0,
  error_description: description,
});

export async function startEasemobStandin(options: StandinOptions = {}) {
  const org = options.org ?? 'acme';
  const app = options.app ?? 'chatapp';
  const appKey = `${org}#${app}`;
  const clientId = options.clientId ?? 'YXA6-client-id';
  const clientSecret = options.clientSecret ?? 'YXA6-client-secret';
  const clock = options.clock ?? Date.now;
  const limits = Object.fromEntries(
    (Object.keys(documentedLimits) as Endpoint[]).map((endpoint) => [endpoint, { ...documentedLimits[endpoint], ...options.limits?.[endpoint] }]),
  ) as Record<Endpoint, EndpointLimits>;
  const tokenCallsPerSecond = options.tokenCallsPerSecond ?? 300;
  const application = '8be024f0-e978-11e8-b697-5d598d5f8402';

  const requests: RecordedRequest[] = [];
  const accepted: AcceptedSend[] = [];
  const callbacks: { body: Record<string, unknown>; status: number | 'error' }[] = [];
  const tokens = new Map<string, number>(); // token -> expires at (ms), Infinity = never
  const windows = new Map<string, number>();
  const script: ScriptedReply[] = [];
  const pendingCallbacks = new Set<Promise<void>>();
  const hanging = new Set<() => void>();
  /** While set, every send is handled (accepted, when it would be) and its answer held until `release()`. */
  let holding = false;
  const held: (() => void)[] = [];
  let plan: 'standard' | 'community' = 'standard';
  let tokenSerial = 0;
  let nextMessageId = 1229384756103000001n;

  /** Counts `amount` in the aligned window; false (and nothing counted) when it would exceed `limit`. */
  function take(key: string, windowMs: number, limit: number, amount: number): boolean {
    const slot = `${key}:${Math.floor(clock() / windowMs)}`;
    const used = windows.get(slot) ?? 0;
    if (used + amount > limit) return false;
    windows.set(slot, used + amount);
    if (windows.size > 10_000) windows.clear();
    return true;
  }

  function issueToken(json: Record<string, unknown>): Reply {
    if (!take('token', 1000, tokenCallsPerSecond, 1)) return { status: 429, body: errorBody(clock, 'reach_limit', 'This request has reached api limit', 'EasemobRateLimitException') };
    if (json.grant_type !== 'client_credentials' || typeof json.client_id !== 'string' || typeof json.client_secret !== 'string') {
      return { status: 400, body: errorBody(clock, 'illegal_argument', 'client_id and client_secret are required', 'IllegalArgumentException') };
    }
    if (json.client_id !== clientId || json.client_secret !== clientSecret) {
      return { status: 400, body: errorBody(clock, 'invalid_grant', 'client_id does not match', 'IllegalArgumentException') };
    }
    const ttl = typeof json.ttl === 'number' ? json.ttl : (options.defaultTtlSeconds ?? 5_184_000);
    const token = `YWMt-standin-${++tokenSerial}-${randomUUID()}`;
    tokens.set(token, ttl === 0 ? Infinity : clock() + ttl * 1000);
    return { status: 200, body: { access_token: token, expires_in: ttl, application } };
  }

  function authenticate(headers: IncomingHttpHeaders): Reply | undefined {
    const token = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : tokens.get(token);
    if (expiresAt === undefined) {
      return { status: 401, body: errorBody(clock, 'auth_bad_access_token', 'Unable to authenticate due to corrupt access token', 'SecurityException') };
    }
    if (clock() >= expiresAt) {
      return { status: 401, body: errorBody(clock, 'unauthorized', 'Unable to authenticate due to expired access token', 'EasemobUnauthorizedException') };
    }
    return undefined;
  }

  function send(endpoint: Endpoint, headers: IncomingHttpHeaders, text: string): Reply {
    const unauthorized = authenticate(headers);
    if (unauthorized) return unauthorized;
    const limit = limits[endpoint];
    if (plan === 'community') {
      return { status: 429, body: errorBody(clock, 'resource_limited', 'You have exceeded the limit of the community edition, please upgrade', 'ResourceLimitedException') };
    }
    if (!take(`${endpoint}:calls`, 1000, limit.callsPerSecond, 1)) {
      return { status: 429, body: errorBody(clock, 'reach_limit', 'This request has reached api limit', 'EasemobRateLimitException') };
    }
    if (!String(headers['content-type'] ?? '').startsWith('application/json')) {
      return { status: 415, body: errorBody(clock, 'unsupported_media_type', 'Content type must be application/json', 'UnsupportedMediaTypeException') };
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not an object');
    } catch {
      return { status: 400, body: errorBody(clock, 'invalid_request_body', 'Request body is invalid. Please check body is correct.', 'InvalidRequestBodyException') };
    }
    const invalid = validate(json, limit.recipientsPerCall);
    if (invalid) return { status: 400, body: errorBody(clock, 'message_send_error', invalid, 'IllegalArgumentException') };
    const to = json.to as string[];
    if (!take(`${endpoint}:messages`, limit.messageWindowMs, limit.messages, to.length)) {
      return { status: 403, body: errorBody(clock, 'message_send_error', 'message send reach limit', 'EasemobForbiddenOpException') };
    }
    const ids = Object.fromEntries(to.map((target) => [target, String(nextMessageId++)]));
    accepted.push({ endpoint, request: json, ids });
    if (options.callback) for (const target of to) postCallback(endpoint, json, target, ids[target] as string);
    return {
      status: 200,
      body: {
        path: `/messages/${endpoint}`,
        uri: `http://a1.easemob.com/${org}/${app}/messages/${endpoint}`,
        timestamp: clock(),
        organization: org,
        application,
        action: 'post',
        data: ids,
        duration: 0,
        applicationName: app,
      },
    };
  }

  /** The documented 400 descriptions (message_single.md), then the type's required fields. */
  function validate(json: Record<string, unknown>, maxRecipients: number): string | undefined {
    if (json.from === '') return "param from can't be empty";
    if (!Array.isArray(json.to) || json.to.length === 0 || !json.to.every((id) => typeof id === 'string' && id !== '')) return "param to can't be empty";
    if (typeof json.type !== 'string' || json.type === '') return "param type can't be empty";
    if (typeof json.body !== 'object' || json.body === null || Array.isArray(json.body)) return "param body can't be empty";
    if ('ext' in json && (typeof json.ext !== 'object' || json.ext === null || Array.isArray(json.ext))) return 'param ext must be JSONObject';
    if (json.to.length > maxRecipients) return `params to's size can't exceed limit ${maxRecipients}`;
    if (Buffer.byteLength(JSON.stringify(json.body)) + Buffer.byteLength(JSON.stringify(json.ext ?? {})) > 5 * 1024) return 'message is too large';
    return bodyProblem(json.type, json.body as Record<string, unknown>);
  }

  function bodyProblem(type: string, body: Record<string, unknown>): string | undefined {
    const str = (field: string) => typeof body[field] === 'string';
    switch (type) {
      case 'txt':
        return str('msg') ? undefined : 'param body.msg is required';
      case 'img':
      case 'audio':
      case 'video':
      case 'file':
        return str('url') ? undefined : 'param body.url is required';
      case 'loc':
        return str('lat') && str('lng') && str('addr') ? undefined : 'param body.lat, body.lng and body.addr are required strings';
      case 'cmd':
        return str('action') ? undefined : 'param body.action is required';
      case 'custom': {
        if (body.customEvent !== undefined && !(typeof body.customEvent === 'string' && /^[a-zA-Z0-9-_/.]{1,32}$/.test(body.customEvent))) return 'param body.customEvent is invalid';
        const exts = body.customExts;
        if (exts === undefined) return undefined;
        const ok = typeof exts === 'object' && exts !== null && !Array.isArray(exts) && Object.values(exts).every((v) => typeof v === 'string') && Object.keys(exts).length <= 16;
        return ok ? undefined : 'param body.customExts must be a map of at most 16 strings';
      }
      default:
        return `param type ${type} is not supported`;
    }
  }

  /** The post-send callback Easemob would POST for one delivered message (callback_configurations.md). */
  function postCallback(endpoint: Endpoint, json: Record<string, unknown>, target: string, msgId: string): void {
    const callbackOptions = options.callback as { url: string; secret: string };
    const type = json.type as string;
    const body = callbackBodyOf(type, json.body as Record<string, unknown>);
    const callId = `${appKey}_${randomUUID()}`;
    const timestamp = clock();
    const group = endpoint !== 'users';
    const payload: Record<string, unknown> = {
      callId,
      eventType: 'chat',
      timestamp,
      chat_type: group ? 'groupchat' : 'chat',
      ...(group ? { group_id: target } : {}),
      from: (json.from as string | undefined) ?? 'admin',
      to: target,
      msg_id: msgId,
      payload: { ext: json.ext ?? {}, bodies: [body] },
      securityVersion: '1.0.0',
      security: createHash('md5').update(callId + callbackOptions.secret + String(timestamp)).digest('hex'),
      appkey: appKey,
      host: 'msync@standin',
      content_type: `chat:${{ users: 'user', chatgroups: 'group', chatrooms: 'room' }[endpoint]}:${type}`,
    };
    const delivery = fetch(callbackOptions.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) })
      .then(async (res) => {
        await res.arrayBuffer();
        callbacks.push({ body: payload, status: res.status });
      })
      .catch(() => {
        callbacks.push({ body: payload, status: 'error' });
      })
      .finally(() => pendingCallbacks.delete(delivery));
    pendingCallbacks.add(delivery);
  }

  function callbackBodyOf(type: string, body: Record<string, unknown>): Record<string, unknown> {
    if (type === 'loc') return { ...body, lat: Number(body.lat), lng: Number(body.lng), type };
    if (type === 'custom') {
      const exts = (body.customExts ?? {}) as Record<string, string>;
      return { customExts: Object.entries(exts).map(([k, v]) => ({ [k]: v })), 'v2:customExts': exts, customEvent: body.customEvent, type };
    }
    return { ...body, type };
  }

  function route(method: string, path: string, headers: IncomingHttpHeaders, text: string): Reply {
    const match = /^\/([^/]+)\/([^/]+)\/(token|messages\/(users|chatgroups|chatrooms))$/.exec(path);
    if (!match) return { status: 404, body: errorBody(clock, 'service_resource_not_found', `Service resource not found: ${path}`, 'NotFoundException') };
    if (method !== 'POST') return { status: 405, body: errorBody(clock, 'method_not_allowed', 'Method not allowed', 'MethodNotAllowedException') };
    if (match[1] !== org || match[2] !== app) {
      return { status: 404, body: errorBody(clock, 'organization_application_not_found', `Could not find application for ${match[1]}/${match[2]} from URI`, 'OrganizationApplicationNotFoundException') };
    }
    if (match[3] === 'token') {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = {};
      }
      return issueToken((json ?? {}) as Record<string, unknown>);
    }
    return send(match[4] as Endpoint, headers, text);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0] as string;
      const record: RecordedRequest = { method: req.method ?? '', path, headers: req.headers, body: text, at: clock(), status: 0, response: undefined };
      requests.push(record);
      const scripted = path.endsWith('/token') ? undefined : script.shift();
      if (scripted?.hang) {
        hanging.add(() => res.destroy());
        return;
      }
      const answer = (): Reply => ({ status: scripted!.status, body: scripted!.body ?? errorBody(clock, 'scripted', 'scripted reply', 'ScriptedException') });
      const reply = scripted && !scripted.acceptThenHang && !scripted.acceptThenAnswer ? answer() : route(req.method ?? '', path, req.headers, text);
      if (scripted?.acceptThenAnswer) Object.assign(reply, answer());
      record.status = reply.status;
      record.response = reply.body;
      if (scripted?.acceptThenHang) {
        hanging.add(() => res.destroy());
        return;
      }
      if (holding && !path.endsWith('/token')) {
        held.push(() => {
          if (res.destroyed) return;
          res.writeHead(reply.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(reply.body));
        });
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    org,
    app,
    appKey,
    clientId,
    clientSecret,
    requests,
    accepted,
    callbacks,
    tokenRequests: () => requests.filter((r) => r.path.endsWith('/token')),
    sendRequests: () => requests.filter((r) => r.path.includes('/messages/')),
    /** Scripts the replies to the next send requests (token requests are never scripted). */
    respond(...replies: ScriptedReply[]): void {
      script.push(...replies);
    },
    /** From now on every send is handled (a valid one accepted) but its answer is held back: a send whose answer never comes. */
    hold(): void {
      holding = true;
    },
    /** Sends handled whose answer is held back. */
    held: () => held.length,
    /** Stops holding and sends every held answer (a client that gave up or died never reads it). */
    release(): void {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
    /** Every issued token stops working now (Easemob may end a token before `expires_in`). */
    expireTokens(): void {
      for (const token of tokens.keys()) tokens.set(token, -Infinity);
    },
    /** `community`: every send gets 429 `resource_limited` (a plan limit, not a rate limit). */
    setPlan(next: 'standard' | 'community'): void {
      plan = next;
    },
    /** Resolves once every post-send callback started so far has been answered. */
    async callbacksSettled(): Promise<void> {
      while (pendingCallbacks.size > 0) await Promise.all([...pendingCallbacks]);
    },
    async close(): Promise<void> {
      holding = false;
      for (const answer of held.splice(0)) answer();
      for (const drop of hanging) drop();
      await Promise.all([...pendingCallbacks]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type EasemobStandin = Awaited<ReturnType<typeof startEasemobStandin>>;

let relaySerial = 0;

/** An event carrying a neutral message, as a vendor adapter would produce it (for relay tests). */
export function neutralMessageEvent(overrides: Partial<NeutralMessage> = {}): Event {
  relaySerial += 1;
  const message: NeutralMessage = {
    version: 1,
    vendor: 'tencent',
    appId: '1400000001',
    eventId: `evt-${process.pid}-${Date.now()}-${relaySerial}`,
    messageId: `${relaySerial}_1_1767225601`,
    conversation: 'one-to-one',
    from: 'alice',
    to: 'bob',
    sentAt: '2026-01-01T00:00:01.000Z',
    elements: [{ kind: 'text', vendorType: 'TIMTextElem', text: `hello ${relaySerial}` }],
    ...overrides,
  };
  const attributes = {
    specversion: '1.0' as const,
    id: message.eventId,
    source: 'tencent-im/1400000001',
    type: 'com.tencent.im.C2C.CallbackAfterSendMsg',
    time: message.sentAt,
    datacontenttype: 'application/json' as const,
    vendor: message.vendor,
    command: 'C2C.CallbackAfterSendMsg',
  };
  return { attributes, data: '{}', message: JSON.stringify(message) };
}

/** The source event id of each send the stand-in accepted (from the relay marker in `ext`), in order. */
export function relayedEventIds(standin: EasemobStandin): string[] {
  return standin.accepted.map((send) => ((send.request.ext as Record<string, { eventId?: string }> | undefined)?.imgw_relay?.eventId ?? ''));
}
