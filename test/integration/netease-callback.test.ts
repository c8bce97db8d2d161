import request from 'supertest';
import { buildTestApp, metricValue, type TestApp } from '../helpers/app';
import { until } from '../helpers/wait';
import { neteaseFixture, neteaseFixtures, signedHeaders, testAppKey, testSecret } from '../unit/vendors/netease/fixtures';

const env = { NETEASE_APP_SECRETS: JSON.stringify(['rotated-out-secret', testSecret]), NETEASE_APP_KEY: testAppKey };
const fixtures = neteaseFixtures();
const events = fixtures.filter((f) => f.expect.kind === 'event');
const probes = fixtures.filter((f) => f.expect.kind === 'ignored');

function post(t: TestApp, headers: Readonly<Record<string, string | undefined>>, body: Buffer) {
  let req = request(t.app).post('/netease/callback');
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) req = req.set(name, value);
  // superagent would JSON-encode a Buffer sent as application/json; the bytes must go as they are.
  return req.serialize((raw: unknown) => raw as string).send(body);
}

const count = (t: TestApp, table: 'events' | 'quarantine') => (table === 'events' ? t.spool.admin.stats().events : t.spool.quarantineSize().entries);

describe('POST /netease/callback', () => {
  let t: TestApp;
  beforeEach(() => {
    t = buildTestApp({ env });
  });
  afterEach(async () => {
    await t.close();
  });

  test('When every signed event fixture is posted, then each is answered 200 and delivered once with its body as received', async () => {
    const replies = [];
    for (const fixture of events) replies.push((await post(t, fixture.head.headers, fixture.body)).body as unknown);
    const distinct = new Set(events.map((f) => f.name.replace(/^n[56]-.*/, 'n1-p2p-text'))).size;

    await t.sink.waitFor(distinct);

    expect(replies.filter((r) => JSON.stringify(r) === JSON.stringify({ code: 200, outcome: 'accepted' }))).toHaveLength(distinct);
    expect(replies.filter((r) => JSON.stringify(r) === JSON.stringify({ code: 200, outcome: 'duplicate' }))).toHaveLength(events.length - distinct);
    const data = t.sink.events.map((e) => e.data);
    for (const fixture of events) expect({ fixture: fixture.name, delivered: data.includes(fixture.body.toString('utf8')) || /^n[56]-/.test(fixture.name) }).toEqual({ fixture: fixture.name, delivered: true });
    expect(new Set(t.sink.events.map((e) => e.attributes.id)).size).toBe(distinct);
    expect(t.sink.events.every((e) => e.attributes.vendor === 'netease' && e.attributes.source === `netease-im/${testAppKey}`)).toBe(true);
  });

  test('When N1, N5 and N6 (the same message, three byte sequences) and N1 again arrive, then the message is delivered once', async () => {
    const names = ['n1-p2p-text', 'n5-numeric-event-type', 'n6-odd-whitespace', 'n1-p2p-text'];

    const replies = [];
    for (const name of names) replies.push(await post(t, neteaseFixture(name).head.headers, neteaseFixture(name).body));
    await t.sink.waitFor(1);
    await until(() => t.spool.backlog().every((sink) => sink.pending === 0));

    expect(replies.map((r) => [r.status, r.body.outcome])).toEqual([[200, 'accepted'], [200, 'duplicate'], [200, 'duplicate'], [200, 'duplicate']]);
    expect(t.sink.events).toHaveLength(1);
    expect(t.sink.events[0]!.message).toBeDefined();
    expect(await metricValue(t.registry, 'imgw_callbacks_total', { vendor: 'netease', command: 'conversation', outcome: 'duplicate' })).toBe(3);
  });

  test('When one account logs in, and out, on two devices in the same millisecond, then all four are delivered, and a resend of any is a duplicate', async () => {
    const bodies = ['2', '3'].flatMap((eventType) =>
      ['IOS', 'AOS'].map((clientType, i) => Buffer.from(`{"eventType":"${eventType}","accid":"user_alice","clientType":"${clientType}","deviceId":"device-${i}","code":"200","timestamp":"1718000000000"}`)),
    );

    const replies = [];
    for (const body of [...bodies, ...bodies]) replies.push((await post(t, signedHeaders(body), body)).body as { outcome: string });
    await t.sink.waitFor(4);
    await until(() => t.spool.backlog().every((sink) => sink.pending === 0));

    expect(replies.map((r) => r.outcome)).toEqual([...Array<string>(4).fill('accepted'), ...Array<string>(4).fill('duplicate')]);
    expect(t.sink.events.map((e) => [e.attributes.command, e.attributes.clienttype])).toEqual([['login', 'IOS'], ['login', 'AOS'], ['logout', 'IOS'], ['logout', 'AOS']]);
  });

  test.each(probes.map((f) => [f.name, f] as const))('When the console probe %s arrives signed, then it gets 200, is counted and nothing is stored', async (_name, fixture) => {
    const res = await post(t, fixture.head.headers, fixture.body);

    expect([res.status, res.body]).toEqual([200, { code: 200, outcome: 'ignored' }]);
    expect([count(t, 'events'), count(t, 'quarantine')]).toEqual([0, 0]);
    expect(await metricValue(t.registry, 'imgw_callbacks_ignored_total', { vendor: 'netease', reason: 'probe' })).toBe(1);
    expect(await metricValue(t.registry, 'imgw_callbacks_total', { vendor: 'netease', command: 'probe', outcome: 'ignored' })).toBe(1);
  });

  const n1 = neteaseFixture('n1-p2p-text');
  const tampered = Buffer.from(n1.body.toString('utf8').replace('Bob!', 'B0b!'));
  test.each([
    ['one body byte changed', n1.head.headers, tampered, 401, 'auth_failed', 'MD5 header does not match the body as received'],
    ['a body re-signed with a wrong secret', signedHeaders(tampered, '1718000000123', 'wrong-secret'), tampered, 401, 'auth_failed', 'CheckSum does not match any configured AppSecret'],
    ['no CheckSum', { ...n1.head.headers, checksum: undefined }, n1.body, 401, 'auth_failed', 'CheckSum header is missing'],
    ['another AppKey', { ...n1.head.headers, appkey: 'ffffffffffffffffffffffffffffffff' }, n1.body, 403, 'app_not_allowed', 'AppKey ffffffffffffffffffffffffffffffff is not allowed'],
  ])('When a request has %s, then it is refused with its status, the reason in a JSON body, and nothing is stored', async (_case, headers, body, status, reason, info) => {
    const res = await post(t, headers, body);

    expect([res.status, res.body]).toEqual([status, { code: status, outcome: 'failed', reason, info }]);
    expect([count(t, 'events'), count(t, 'quarantine')]).toEqual([0, 0]);
    expect(await metricValue(t.registry, 'imgw_callback_errors_total', { vendor: 'netease', reason })).toBe(1);
    expect(await metricValue(t.registry, 'imgw_callbacks_total', { vendor: 'netease', command: 'unknown', outcome: 'rejected' })).toBe(1);
  });

  test('When an authenticated body fails validation, then it is answered 200, quarantined with its head (CheckSum redacted) and not delivered', async () => {
    const body = Buffer.from(n1.body.toString('utf8').replace('"msgType":"TEXT"', '"msgType":"PICTURE"'));

    const res = await post(t, signedHeaders(body), body);

    expect([res.status, res.body]).toEqual([200, { code: 200, outcome: 'quarantined', detail: 'attach: a PICTURE message needs attach to hold a JSON object' }]);
    const row = t.spool.admin.quarantineRows()[0] as unknown as Record<string, unknown>;
    expect(row).toMatchObject({ vendor: 'netease', command: 'conversation', reason: 'invalid_payload' });
    expect(JSON.parse(String(row.head))).toEqual({ headers: expect.objectContaining({ appkey: testAppKey, checksum: 'redacted', md5: expect.any(String) }) });
    expect(Buffer.from(row.body as Uint8Array).equals(body)).toBe(true);
    expect(count(t, 'events')).toBe(0);
  });

  test('When events are accepted, then the metrics carry vendor="netease" and the eventType names', async () => {
    for (const name of ['n1-p2p-text', 'n2-team-picture', 'n3-p2p-recall', 'login', 'chatroom-custom', 'unlisted-event-type']) {
      await post(t, neteaseFixture(name).head.headers, neteaseFixture(name).body);
    }

    const accepted = (command: string) => metricValue(t.registry, 'imgw_callbacks_total', { vendor: 'netease', command, outcome: 'accepted' });
    expect(await Promise.all(['conversation', 'p2p_recall', 'login', 'chatroom_message', 'other'].map(accepted))).toEqual([2, 1, 1, 1, 1]);
    expect(await metricValue(t.registry, 'imgw_callback_platforms_total', { vendor: 'netease', platform: 'IOS' })).toBe(3);
    expect(await metricValue(t.registry, 'imgw_message_elements_total', { vendor: 'netease', msg_type: 'PICTURE' })).toBe(1);
  });
});

describe('POST /netease/callback › settings', () => {
  test('When NETEASE_APP_SECRETS is not set, then the route answers 404 with what to set, and stores nothing', async () => {
    const t = buildTestApp();
    try {
      const res = await post(t, n1Head(), neteaseFixture('n1-p2p-text').body);

      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).toContain('NETEASE_APP_SECRETS');
      expect(count(t, 'events')).toBe(0);
    } finally {
      await t.close();
    }
  });

  test('When a CurTime window is set, then a stale CurTime is refused and a fresh one accepted', async () => {
    const t = buildTestApp({ env: { ...env, NETEASE_CURTIME_WINDOW_SECONDS: '300' } });
    try {
      const body = neteaseFixture('n1-p2p-text').body;

      const stale = await post(t, n1Head(), body);
      const fresh = await post(t, signedHeaders(body, String(t.clock.now - 1000)), body);

      expect([stale.status, stale.body.reason, stale.body.info]).toEqual([401, 'auth_failed', expect.stringMatching(/^CurTime is \d+ s away from the server clock \(limit 300 s\)$/)]);
      expect([fresh.status, fresh.body.outcome]).toEqual([200, 'accepted']);
    } finally {
      await t.close();
    }
  });

  test('When the body is larger than the limit, then the reply is 413 in the NetEase format', async () => {
    const t = buildTestApp({ env, maxBodyBytes: 2048 });
    try {
      const body = Buffer.from(JSON.stringify({ eventType: '99', pad: 'x'.repeat(4096) }));

      const res = await post(t, signedHeaders(body), body);

      expect([res.status, res.body.code, res.body.reason]).toEqual([413, 413, 'payload_too_large']);
      expect(count(t, 'events')).toBe(0);
    } finally {
      await t.close();
    }
  });

  test('When NetEase is over its rate limit, then it gets 429 with Retry-After while Tencent still has its own bucket', async () => {
    const t = buildTestApp({ env, ratePerSecond: 1 });
    try {
      const first = await post(t, n1Head(), neteaseFixture('n1-p2p-text').body);
      const second = await post(t, signedHeaders(neteaseFixture('login').body), neteaseFixture('login').body);

      expect([first.status, second.status, second.body.reason, second.headers['retry-after']]).toEqual([200, 429, 'rate_limited', '1']);
      expect((await request(t.app).post('/tencent/callback').send('{}')).status).not.toBe(429);
    } finally {
      await t.close();
    }
  });
});

function n1Head(): Record<string, string | undefined> {
  return neteaseFixture('n1-p2p-text').head.headers;
}
