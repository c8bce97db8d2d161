import request from 'supertest';
import { buildTestApp, metricValue, type TestApp } from '../helpers/app';
import { loadFixture } from '../helpers/fixtures';
import { callbackPath } from '../helpers/tencent';
import { fixtureAppKey, fixtureJson, fixtureSecret, resign } from '../unit/vendors/easemob/fixtures';
import { neteaseFixture, signedHeaders, testAppKey, testSecret } from '../unit/vendors/netease/fixtures';

type VendorName = 'tencent' | 'netease' | 'easemob';

const tencentText = loadFixture('c2c-after-send-text');
const neteaseText = neteaseFixture('n1-p2p-text').body.toString('utf8');
const easemobText = fixtureJson('chat-txt');

/** The `i`th distinct genuine callback of a vendor: its path, signing headers and body. */
function genuine(vendor: VendorName, i: number): { path: string; headers: Record<string, string>; body: Buffer } {
  if (vendor === 'tencent') return { path: callbackPath(tencentText.query), headers: {}, body: Buffer.from(JSON.stringify({ ...tencentText.body, MsgKey: `key_${i}` })) };
  if (vendor === 'netease') {
    const body = Buffer.from(neteaseText.replace('"msgidServer":"6120031988331"', `"msgidServer":"${6120031988331 + i}"`));
    return { path: '/netease/callback', headers: signedHeaders(body), body };
  }
  return { path: '/easemob/callback', headers: {}, body: resign({ ...easemobText, msg_id: `${1229384756102938111n + BigInt(i)}` }) };
}

/** Unsigned junk as a flood would send it. */
const junk = (vendor: VendorName) => ({ path: vendor === 'tencent' ? callbackPath(tencentText.query, { token: null }) : `/${vendor}/callback`, headers: {}, body: Buffer.from('{"junk":true}') });

function post(t: TestApp, from: string, { path, headers, body }: { path: string; headers: Record<string, string>; body: Buffer }) {
  let req = request(t.app).post(path).set('Content-Type', 'application/json').set('X-Forwarded-For', from);
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  return req.serialize((raw: unknown) => raw as string).send(body);
}

const env = { NETEASE_APP_SECRETS: testSecret, NETEASE_APP_KEY: testAppKey, EASEMOB_CALLBACK_SECRETS: fixtureSecret, EASEMOB_APPKEY: fixtureAppKey };
const attacker = '203.0.113.7';
const sender = '198.51.100.1';

describe.each<VendorName>(['tencent', 'netease', 'easemob'])('POST /%s/callback under a flood of unauthenticated junk', (vendor) => {
  let t: TestApp;
  beforeEach(() => {
    // Supertest connects from loopback: a trusted proxy here, so X-Forwarded-For names the client.
    t = buildTestApp({ env, ratePerSecond: 50, authFailureRate: 10, trustedProxies: ['127.0.0.1', '::1'] });
  });
  afterEach(() => t.close());

  test('When 36 junk requests and one genuine callback arrive every 100 ms for 3 s (INGEST_RATE_LIMIT=50), then every genuine callback is answered 200', async () => {
    const genuineStatuses: number[] = [];
    const junkStatuses: Record<number, number> = {};

    for (let tick = 0; tick < 30; tick++, t.clock.now += 100) {
      const flood = await Promise.all(Array.from({ length: 36 }, () => post(t, attacker, junk(vendor))));
      for (const res of flood) junkStatuses[res.status] = (junkStatuses[res.status] ?? 0) + 1;
      genuineStatuses.push((await post(t, sender, genuine(vendor, tick))).status);
    }

    expect(genuineStatuses).toEqual(Array(30).fill(200));
    await t.sink.waitFor(30);
    expect(t.sink.events).toHaveLength(30);
    if (vendor === 'tencent') expect(junkStatuses).toEqual({ 401: 1080 });
    else {
      // The first burst may all be read before the first of them fails; after it, at most the one
      // failure a tick refills (10/s) is read, the rest are refused before their body.
      expect(Object.keys(junkStatuses)).toEqual(['401', '429']);
      expect(junkStatuses[401]).toBeGreaterThanOrEqual(10 + 29);
      expect(junkStatuses[401]).toBeLessThanOrEqual(36 + 29);
    }
  });

  test('When the junk comes from the genuine sender\'s own address, then its body-authenticated callbacks wait with it (429) and pass a second after the junk stops; Tencent\'s pass at once', async () => {
    for (let i = 0; i < 20; i++) await post(t, sender, junk(vendor));

    const during = await post(t, sender, genuine(vendor, 1));
    t.clock.now += 1000;
    const after = await post(t, sender, genuine(vendor, 2));

    if (vendor === 'tencent') {
      expect(during.status).toBe(200);
    } else {
      expect(during.status).toBe(429);
      expect(during.headers['retry-after']).toBe('1');
      expect(JSON.stringify(during.body)).toContain('too_many_auth_failures');
      expect(await metricValue(t.registry, 'imgw_callback_errors_total', { vendor, reason: 'too_many_auth_failures' })).toBe(20 - 10 + 1);
    }
    expect(after.status).toBe(200);
  });
});
