import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEasemobStandin, type EasemobStandin } from '../helpers/easemob-standin';

/** The stand-in is the oracle of the relay tests: its documented behaviour is checked here first. */
describe('Easemob stand-in', () => {
  let now = 1_718_000_000_000;
  let standin: EasemobStandin;

  beforeEach(async () => {
    now = 1_718_000_000_000;
    standin = await startEasemobStandin({ clock: () => now });
  });
  afterEach(() => standin.close());

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${standin.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const token = async (ttl?: number) =>
    (await post('/acme/chatapp/token', { grant_type: 'client_credentials', client_id: standin.clientId, client_secret: standin.clientSecret, ...(ttl === undefined ? {} : { ttl }) })).json
      .access_token as string;
  const sendTo = async (endpoint: string, to: string[], bearer: string, extra: Record<string, unknown> = {}) =>
    post(`/acme/chatapp/messages/${endpoint}`, { from: 'relay_bot', to, type: 'txt', body: { msg: 'hi' }, ...extra }, { authorization: `Bearer ${bearer}` });
  const errorShape = { error: expect.any(String), exception: expect.any(String), timestamp: expect.any(Number), duration: 0, error_description: expect.any(String) };

  describe('POST /{org}/{app}/token', () => {
    test('When the client credentials match, then a token with expires_in and the application comes back', async () => {
      const res = await post('/acme/chatapp/token', { grant_type: 'client_credentials', client_id: standin.clientId, client_secret: standin.clientSecret, ttl: 3600 });

      expect(res).toEqual({ status: 200, json: { access_token: expect.stringMatching(/^YWMt/), expires_in: 3600, application: expect.any(String) } });
    });

    test.each([
      [{ grant_type: 'client_credentials', client_id: 'YXA6-client-id', client_secret: 'wrong' }, 400, 'invalid_grant'],
      [{ grant_type: 'client_credentials', client_id: 'YXA6-client-id' }, 400, 'illegal_argument'],
    ])('When the body is %j, then %i %s', async (body, status, error) => {
      const res = await post('/acme/chatapp/token', body);

      expect(res).toEqual({ status, json: { ...errorShape, error } });
    });

    test('When the org or app is unknown, then 404 organization_application_not_found', async () => {
      expect((await post('/acme/other/token', {})).json.error).toBe('organization_application_not_found');
    });
  });

  describe('send', () => {
    test('When the token is valid, then 200 with a message id (a 19-digit string) per recipient, and the send is recorded', async () => {
      const bearer = await token();

      const res = await sendTo('users', ['bob', 'carol'], bearer);

      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ path: '/messages/users', action: 'post', organization: 'acme', applicationName: 'chatapp' });
      expect(Object.keys(res.json.data as object)).toEqual(['bob', 'carol']);
      for (const id of Object.values(res.json.data as object)) expect(id).toMatch(/^\d{19}$/);
      expect(standin.accepted).toHaveLength(1);
      expect(standin.requests.map((r) => [r.path, r.status])).toEqual([
        ['/acme/chatapp/token', 200],
        ['/acme/chatapp/messages/users', 200],
      ]);
    });

    test('When the token has expired, then 401 unauthorized "expired access token"; a made-up token is 401 auth_bad_access_token', async () => {
      const bearer = await token(60);
      now += 60_000;

      expect(await sendTo('users', ['bob'], bearer)).toEqual({ status: 401, json: { ...errorShape, error: 'unauthorized', error_description: 'Unable to authenticate due to expired access token' } });
      expect((await sendTo('users', ['bob'], 'YWMt-made-up')).json.error).toBe('auth_bad_access_token');
    });

    test('When tokens are expired early, then the old token gets 401 and a new one works', async () => {
      const old = await token();
      standin.expireTokens();

      expect((await sendTo('users', ['bob'], old)).status).toBe(401);
      expect((await sendTo('users', ['bob'], await token())).status).toBe(200);
    });

    test.each([
      ['users', 600],
      ['chatgroups', 3],
      ['chatrooms', 10],
    ])('When %s gets one recipient over its per-call maximum, then 400 naming the limit', async (endpoint, max) => {
      const bearer = await token();

      const ok = await sendTo(endpoint, Array.from({ length: max }, (_, i) => `t${i}`), bearer);
      const over = await sendTo(endpoint, Array.from({ length: max + 1 }, (_, i) => `t${i}`), bearer);

      expect(ok.status).toBe(200);
      expect(over).toEqual({ status: 400, json: { ...errorShape, error: 'message_send_error', error_description: `params to's size can't exceed limit ${max}` } });
    });

    test('When body plus ext exceed 5 KB, then 400 "message is too large"; exactly 5 KB passes', async () => {
      const bearer = await token();
      const overhead = Buffer.byteLength(JSON.stringify({ msg: '' })) + Buffer.byteLength(JSON.stringify({ k: '' }));
      const at = (bytes: number) => ({ body: { msg: 'x'.repeat(bytes - overhead - 10) }, ext: { k: 'y'.repeat(10) } });

      expect((await sendTo('users', ['bob'], bearer, at(5120))).status).toBe(200);
      expect(await sendTo('users', ['bob'], bearer, at(5121))).toMatchObject({ status: 400, json: { error_description: 'message is too large' } });
    });

    test.each([
      [{ from: '' }, "param from can't be empty"],
      [{ to: [] }, "param to can't be empty"],
      [{ type: '' }, "param type can't be empty"],
      [{ body: null }, "param body can't be empty"],
      [{ ext: null }, 'param ext must be JSONObject'],
      [{ type: 'loc', body: { lat: 1, lng: 2, addr: 'x' } }, 'param body.lat, body.lng and body.addr are required strings'],
      [{ type: 'custom', body: { customEvent: 'bad event!' } }, 'param body.customEvent is invalid'],
    ])('When the request has %j, then 400 "%s"', async (extra, description) => {
      expect(await sendTo('users', ['bob'], await token(), extra)).toMatchObject({ status: 400, json: { ...errorShape, error: 'message_send_error', error_description: description } });
    });

    test('When the content type is not JSON, then 415', async () => {
      const res = await fetch(`${standin.url}/acme/chatapp/messages/users`, { method: 'POST', headers: { authorization: `Bearer ${await token()}`, 'content-type': 'text/plain' }, body: 'x' });

      expect(res.status).toBe(415);
    });
  });

  describe('quotas per App Key', () => {
    test('When users gets 101 calls in one second, then the 101st is 429 reach_limit, and the next second is open again', async () => {
      const bearer = await token();

      const statuses = [];
      for (let i = 0; i < 101; i++) statuses.push((await sendTo('users', ['bob'], bearer)).status);
      const limited = await sendTo('users', ['bob'], bearer);
      now += 1000;

      expect(statuses.filter((s) => s === 200)).toHaveLength(100);
      expect(statuses[100]).toBe(429);
      expect(limited.json).toEqual({ ...errorShape, error: 'reach_limit', error_description: 'This request has reached api limit' });
      expect((await sendTo('users', ['bob'], bearer)).status).toBe(200);
    });

    test('When users messages reach 6,000 in a minute (600 recipients per call count as 600), then 403 "message send reach limit" until the next minute', async () => {
      const bearer = await token();
      const six = Array.from({ length: 600 }, (_, i) => `u${i}`);

      for (let i = 0; i < 10; i++) expect((await sendTo('users', six, bearer)).status).toBe(200);
      now += 1000;
      const over = await sendTo('users', ['one-more'], bearer);
      now = Math.ceil(now / 60_000) * 60_000;

      expect(over).toEqual({ status: 403, json: { ...errorShape, error: 'message_send_error', error_description: 'message send reach limit' } });
      expect((await sendTo('users', ['one-more'], bearer)).status).toBe(200);
    });

    test.each([
      ['chatrooms', 10, 100],
      ['chatgroups', 3, 20],
    ])('When %s messages exceed the per-second volume, then 403; calls over 20 per second are 429', async (endpoint, perCall, perSecond) => {
      const bearer = await token();
      const full = Array.from({ length: perCall }, (_, i) => `g${i}`);
      let sent = 0;
      while (sent + perCall <= perSecond) {
        expect((await sendTo(endpoint, full, bearer)).status).toBe(200);
        sent += perCall;
      }

      expect((await sendTo(endpoint, full, bearer)).json.error_description).toBe('message send reach limit');
      now += 1000;
      const statuses = [];
      for (let i = 0; i < 21; i++) statuses.push((await sendTo(endpoint, ['g0'], bearer)).status);
      expect(statuses.filter((s) => s === 429)).toHaveLength(1);
      expect(statuses[20]).toBe(429);
    });

    test('When the plan limit is reached, then 429 resource_limited', async () => {
      standin.setPlan('community');

      expect((await sendTo('users', ['bob'], await token())).json.error).toBe('resource_limited');
    });
  });

  test('When a callback URL is configured, then every accepted message comes back as a signed post-send callback', async () => {
    const received: Record<string, unknown>[] = [];
    const receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        received.push(JSON.parse(text) as Record<string, unknown>);
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const withCallback = await startEasemobStandin({ clock: () => now, callback: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, secret: 'cb-secret' } });
    try {
      const bearer = (await (await fetch(`${withCallback.url}/acme/chatapp/token`, { method: 'POST', body: JSON.stringify({ grant_type: 'client_credentials', client_id: withCallback.clientId, client_secret: withCallback.clientSecret }) })).json()) as { access_token: string };
      await fetch(`${withCallback.url}/acme/chatapp/messages/chatrooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer.access_token}` },
        body: JSON.stringify({ from: 'relay_bot', to: ['185145305923585'], type: 'loc', body: { lat: '39.9', lng: '116.4', addr: 'Beijing' }, ext: { k: 'v' } }),
      });
      await withCallback.callbacksSettled();

      expect(received).toHaveLength(1);
      const cb = received[0] as Record<string, unknown>;
      expect(cb).toMatchObject({
        chat_type: 'groupchat',
        group_id: '185145305923585',
        content_type: 'chat:room:loc',
        from: 'relay_bot',
        appkey: 'acme#chatapp',
        msg_id: withCallback.accepted[0]?.ids['185145305923585'],
        payload: { ext: { k: 'v' }, bodies: [{ lat: 39.9, lng: 116.4, addr: 'Beijing', type: 'loc' }] },
      });
      expect(cb.security).toBe(createHash('md5').update(`${String(cb.callId)}cb-secret${String(cb.timestamp)}`).digest('hex'));
    } finally {
      await withCallback.close();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
