import request from 'supertest';
import { allFixtures, loadFixture } from '../helpers/fixtures';
import { buildTestApp, expectTencentReply, type TestApp } from '../helpers/app';
import { until } from '../helpers/wait';
import { callbackPath, TEST_NOW_MS } from '../helpers/tencent';

const text = loadFixture('c2c-after-send-text');
// supertest would JSON-encode a Buffer sent as application/json; raw bytes go as octet-stream (any type is read).
const post = (t: TestApp, path: string, body: string | Buffer) =>
  request(t.app)
    .post(path)
    .set('Content-Type', Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json')
    .send(body);

describe('POST /tencent/callback', () => {
  let t: TestApp;
  beforeEach(() => {
    t = buildTestApp();
  });
  afterEach(() => t.close());

  describe('every documented callback', () => {
    test.each(allFixtures().map((f) => [f.name, f] as const))('When %s is posted signed, then it is answered OK and delivered once', async (_name, fixture) => {
      const res = await post(t, callbackPath(fixture.query), JSON.stringify(fixture.body));

      expectTencentReply(res, { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
      await t.sink.waitFor(1);
      expect(t.sink.events).toHaveLength(1);
      expect(JSON.parse(t.sink.events[0]!.data)).toEqual(fixture.body);
      expect(t.sink.events[0]!.attributes.type).toBe(`com.tencent.im.${fixture.query.CallbackCommand}`);
    });
  });

  describe('C2C.CallbackAfterSendMsg', () => {
    test('When the same message is posted twice, then both are answered OK and it is delivered once', async () => {
      const first = await post(t, callbackPath(text.query), JSON.stringify(text.body));
      const second = await post(t, callbackPath(text.query), JSON.stringify(text.body));

      expectTencentReply(first, { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
      expectTencentReply(second, { status: 200, ActionStatus: 'OK', ErrorInfo: 'duplicate: already received' });
      await t.sink.waitFor(1);
      await until(() => t.spool.backlog().every((sink) => sink.pending === 0));
      expect(t.sink.events).toHaveLength(1);
    });

    test('When two different messages carry the same Sign and RequestTime, then both are accepted', async () => {
      const location = loadFixture('c2c-after-send-location');

      const a = await post(t, callbackPath(text.query), JSON.stringify(text.body));
      const b = await post(t, callbackPath(location.query), JSON.stringify(location.body));

      expectTencentReply(a, { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
      expectTencentReply(b, { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
      await t.sink.waitFor(2);
    });

    test('When the body is sent without a Content-Type, then it is still read', async () => {
      const res = await request(t.app).post(callbackPath(text.query)).send(Buffer.from(JSON.stringify(text.body)));

      expectTencentReply(res, { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
      await t.sink.waitFor(1);
    });
  });

  describe('refused requests', () => {
    const body = JSON.stringify(text.body);
    const cases: [string, () => string, number, string | RegExp][] = [
      ['SdkAppid is missing', () => callbackPath({ CallbackCommand: 'C2C.CallbackAfterSendMsg' }), 400, 'SdkAppid is missing'],
      ['SdkAppid is not digits', () => callbackPath({ ...text.query, SdkAppid: '14e8' }), 400, 'SdkAppid must be digits'],
      ['CallbackCommand is missing', () => callbackPath({ SdkAppid: '1400000001' }), 400, 'CallbackCommand is missing'],
      ['contenttype is xml', () => callbackPath({ ...text.query, contenttype: 'xml' }), 400, 'contenttype must be json'],
      ['SdkAppid is another app', () => callbackPath({ ...text.query, SdkAppid: '1400000002' }), 403, 'SdkAppid 1400000002 is not allowed'],
      ['the Sign is missing', () => callbackPath(text.query, { token: null }), 401, 'Sign is missing'],
      ['the Sign was made with another token', () => callbackPath(text.query, { token: 'wrong' }), 401, 'Sign does not match'],
      ['RequestTime is 61 s old', () => callbackPath(text.query, { requestTime: TEST_NOW_MS / 1000 - 61 }), 401, 'RequestTime is 61 s away from the server clock (limit 60 s)'],
      ['RequestTime is not an integer', () => callbackPath(text.query, { requestTime: '1767225600.0' }), 401, 'RequestTime must be whole seconds'],
    ];

    test.each(cases)('When %s, then it is refused with that status and nothing is stored', async (_case, path, status, info) => {
      const res = await post(t, path(), body);

      expectTencentReply(res, { status, ActionStatus: 'FAIL', ErrorInfo: info });
      expect(t.spool.admin.stats().events).toBe(0);
      expect(t.spool.quarantineSize().entries).toBe(0);
    });

    test.each(['999.1.1.1', ''])('When ClientIP is %j (not an address), then the callback is stored without a client address', async (clientIp) => {
      const res = await post(t, callbackPath({ ...text.query, ClientIP: clientIp }), body);

      expectTencentReply(res, { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
      await t.sink.waitFor(1);
      expect(t.sink.events[0]!.attributes).not.toHaveProperty('clientip');
    });

    test('When the SdkAppid is zero-padded, then a replay of a stored message is a duplicate', async () => {
      await post(t, callbackPath(text.query), body);

      const replay = await post(t, callbackPath({ ...text.query, SdkAppid: `0${text.query.SdkAppid}` }), body);

      expectTencentReply(replay, { status: 200, ActionStatus: 'OK', ErrorInfo: 'duplicate: already received' });
      expect(t.spool.admin.stats().events).toBe(1);
    });

    test('When the Sign is upper-case, then it is accepted', async () => {
      const path = callbackPath(text.query).replace(/Sign=([0-9a-f]+)/, (_m, hex: string) => `Sign=${hex.toUpperCase()}`);

      expectTencentReply(await post(t, path, body), { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
    });

    test('When the body is over MAX_BODY_BYTES, then it is refused with 413', async () => {
      await t.close();
      t = buildTestApp({ maxBodyBytes: 2048 });

      const res = await post(t, callbackPath(text.query), JSON.stringify({ ...text.body, CloudCustomData: 'x'.repeat(4096) }));

      expectTencentReply(res, { status: 413, ActionStatus: 'FAIL', ErrorInfo: 'body is larger than 2048 bytes' });
    });

    test('When the method is GET, then it is refused with 405 and an Allow header', async () => {
      const res = await request(t.app).get(callbackPath(text.query));

      expectTencentReply(res, { status: 405, ActionStatus: 'FAIL', ErrorInfo: 'callbacks must be sent with POST' });
      expect(res.headers.allow).toBe('POST');
    });

    test('When the spool has no room, then it is answered 503 FAIL with Retry-After, never OK, and /readyz says the disk is full', async () => {
      await t.close();
      t = buildTestApp({ freeBytes: () => 0 });
      t.spool.pragma('max_page_count = 1');

      const res = await post(t, callbackPath(text.query), JSON.stringify({ ...text.body, CloudCustomData: 'x'.repeat(20_000) }));

      expectTencentReply(res, { status: 503, ActionStatus: 'FAIL', ErrorInfo: 'could not store the event; retry later' });
      expect(res.headers['retry-after']).toBe('1');
      const ready = await request(t.app).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.problems).toEqual(['the spool has no room for new events (disk full)']);
    });
  });

  describe('quarantine', () => {
    const cases: [string, string | Buffer, string, RegExp][] = [
      ['empty', '', 'empty_body', /^quarantined: body is empty$/],
      ['truncated JSON', '{"CallbackCommand":"C2C.CallbackAfter', 'malformed_json', /^quarantined: body is not valid JSON: /],
      ['null', 'null', 'invalid_payload', /^quarantined: body: expected object, received null$/],
      ['[]', '[]', 'invalid_payload', /^quarantined: body: expected object, received array$/],
      ['"🐥"', '"🐥"', 'invalid_payload', /^quarantined: body: expected object, received string$/],
      ['invalid UTF-8', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), 'invalid_encoding', /^quarantined: body is not valid UTF-8$/],
      ['a text element without Text', JSON.stringify({ ...text.body, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: {} }] }), 'invalid_payload', /^quarantined: MsgBody\[0\]\.MsgContent\.Text: expected string, received undefined$/],
      ['a body for another command', JSON.stringify({ ...text.body, CallbackCommand: 'C2C.CallbackAfterMsgReport' }), 'command_mismatch', /^quarantined: CallbackCommand in the body \(C2C.CallbackAfterMsgReport\) differs from the query \(C2C.CallbackAfterSendMsg\)$/],
    ];

    test.each(cases)('When an authenticated body is %s, then it is kept raw in quarantine and answered OK', async (_case, raw, reason, info) => {
      const res = await post(t, callbackPath(text.query), raw);

      expectTencentReply(res, { status: 200, ActionStatus: 'OK', ErrorInfo: info });
      const row = t.spool.admin.quarantineRows()[0] as unknown as Record<string, unknown>;
      expect(row.reason).toBe(reason);
      expect(row.command).toBe('C2C.CallbackAfterSendMsg');
      expect(row.body).toEqual(Buffer.from(raw));
      expect(JSON.parse(row.head as string)).toEqual({ query: expect.stringMatching(/Sign=redacted/) });
      expect(t.spool.admin.stats().events).toBe(0);
    });
  });

  describe('before-callbacks', () => {
    const before = loadFixture('c2c-before-send');

    test('When C2C.CallbackBeforeSendMsg arrives, then it is recorded and answered allow', async () => {
      const res = await post(t, callbackPath(before.query), JSON.stringify(before.body));

      expectTencentReply(res, { status: 200, ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
      await t.sink.waitFor(1);
      expect(t.sink.events[0]!.attributes.command).toBe('C2C.CallbackBeforeSendMsg');
    });

    test('When a before-callback fails authentication, then it is still answered allow and nothing is stored', async () => {
      const res = await post(t, callbackPath(before.query, { token: 'wrong' }), JSON.stringify(before.body));

      expectTencentReply(res, { status: 200, ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
      expect(t.spool.admin.stats().events).toBe(0);
    });

    test('When the spool fails during a before-callback, then it is answered allow, not FAIL', async () => {
      t.spool.pragma('max_page_count = 1');

      const res = await post(t, callbackPath(before.query), JSON.stringify({ ...before.body, CloudCustomData: 'x'.repeat(20_000) }));

      expectTencentReply(res, { status: 200, ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    });
  });

  describe('operations', () => {
    test('When /healthz and /readyz are asked, then both answer 200', async () => {
      expect((await request(t.app).get('/healthz')).body).toEqual({ status: 'ok' });
      expect((await request(t.app).get('/readyz')).body).toEqual({ status: 'ready', problems: [], degraded: [] });
    });

    test('When an unknown path is asked, then it is a JSON 404', async () => {
      const res = await request(t.app).get('/nope');

      expect(res.status).toBe(404);
      expect(res.body.error).toMatch(/no such endpoint/);
    });

    test('When a request carries X-Request-Id, then it is echoed; otherwise one is made', async () => {
      expect((await request(t.app).get('/healthz').set('X-Request-Id', 'abc-123')).headers['x-request-id']).toBe('abc-123');
      expect((await request(t.app).get('/healthz')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    test('When a callback is taken by the fast path, then its reply carries the same headers as one Express serves', async () => {
      const fast = await post(t, callbackPath(text.query), JSON.stringify(text.body)).set('X-Request-Id', 'fast-1');
      // A trailing slash and other case: only Express's matching accepts it, so Express serves it.
      const slow = await post(t, callbackPath(text.query).replace('/tencent/callback', '/Tencent/callback/'), JSON.stringify(text.body)).set('X-Request-Id', 'slow-1');
      const health = await request(t.app).get('/healthz');

      expectTencentReply(fast, { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
      expectTencentReply(slow, { status: 200, ActionStatus: 'OK', ErrorInfo: 'duplicate: already received' });
      expect(fast.headers['x-request-id']).toBe('fast-1');
      expect(slow.headers['x-request-id']).toBe('slow-1');
      const shared = (headers: Record<string, string>) => {
        const { date: _date, 'x-request-id': _id, 'content-length': _length, etag: _etag, connection: _c, 'keep-alive': _k, ...rest } = headers;
        return rest;
      };
      expect(shared(fast.headers)).toEqual(shared(slow.headers));
      // helmet's headers, as on every other route.
      expect(fast.headers['x-content-type-options']).toBe('nosniff');
      expect(fast.headers['content-security-policy']).toBe(health.headers['content-security-policy']);
      expect(fast.headers['x-powered-by']).toBeUndefined();
      expect(fast.headers['content-length']).toBe(String(Buffer.byteLength(fast.text)));
    });
  });
});
