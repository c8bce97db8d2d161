import request from 'supertest';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { buildTestApp, metricValue, type TestApp } from '../helpers/app';
import { loadFixture } from '../helpers/fixtures';
import { callbackPath } from '../helpers/tencent';
import { fixtureAppKey, fixtureJson, fixtureSecret, resign } from '../unit/vendors/easemob/fixtures';
import { neteaseFixture, signedHeaders, testAppKey, testSecret } from '../unit/vendors/netease/fixtures';

interface VendorCase {
  readonly vendor: 'tencent' | 'netease' | 'easemob';
  /** A genuine callback: where it goes, its signing headers (over the decoded body) and the body. */
  readonly signed: () => { path: string; headers: Record<string, string>; body: Buffer };
  /** The vendor's reply body for a failure with this reason. */
  readonly failure: (reason: string) => unknown;
}

const tencentText = loadFixture('c2c-after-send-text');
const neteaseText = neteaseFixture('n1-p2p-text');
const vendors: VendorCase[] = [
  {
    vendor: 'tencent',
    signed: () => ({ path: callbackPath(tencentText.query), headers: {}, body: Buffer.from(JSON.stringify(tencentText.body)) }),
    failure: () => ({ ActionStatus: 'FAIL', ErrorCode: 1, ErrorInfo: expect.stringMatching(/Content-Encoding/) }),
  },
  {
    vendor: 'netease',
    signed: () => ({ path: '/netease/callback', headers: signedHeaders(neteaseText.body), body: neteaseText.body }),
    failure: (reason) => ({ code: 415, outcome: 'failed', reason, info: expect.stringMatching(/Content-Encoding/) }),
  },
  {
    vendor: 'easemob',
    signed: () => ({ path: '/easemob/callback', headers: {}, body: resign(fixtureJson('chat-txt')) }),
    failure: (reason) => ({ result: 'failed', reason, info: expect.stringMatching(/Content-Encoding/) }),
  },
];

const env = { NETEASE_APP_SECRETS: testSecret, NETEASE_APP_KEY: testAppKey, EASEMOB_CALLBACK_SECRETS: fixtureSecret, EASEMOB_APPKEY: fixtureAppKey };

function post(t: TestApp, path: string, headers: Record<string, string>, body: Buffer) {
  let req = request(t.app).post(path).set('Content-Type', 'application/octet-stream');
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  // superagent would JSON-encode a Buffer sent as application/json; the bytes must go as they are.
  return req.serialize((raw: unknown) => raw as string).send(body);
}

const stored = (t: TestApp) => {
  const stats = t.spool.adminStore.stats();
  return stats.events + stats.quarantined;
};

describe.each(vendors)('POST /$vendor/callback with a Content-Encoding', ({ vendor, signed, failure }) => {
  let t: TestApp;
  beforeEach(() => {
    t = buildTestApp({ env });
  });
  afterEach(() => t.close());

  test.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['identity, GZIP', gzipSync],
  ])('When a genuine callback is sent with %s, then it is decoded, accepted and delivered as decoded', async (coding, encode) => {
    const { path, headers, body } = signed();

    const res = await post(t, path, { ...headers, 'Content-Encoding': coding }, encode(body));

    expect(res.status).toBe(200);
    await t.sink.waitFor(1);
    expect(t.sink.events[0]!.data).toBe(body.toString('utf8'));
  });

  test.each([
    ['two codings of a genuine callback', 'gzip, gzip', (body: Buffer) => gzipSync(gzipSync(body)), true],
    ['a genuine callback in Brotli', 'br', (body: Buffer) => brotliCompressSync(body), true],
    ['an unknown coding', 'compress', (body: Buffer) => body, true],
    ['5,000 codings without credentials', Array(5_000).fill('br').join(','), () => Buffer.from('junk'), false],
  ])('When %s arrives, then it is refused with 415 in the vendor format, and nothing is stored', async (_case, coding, encode, genuine) => {
    const { path, headers, body } = signed();

    const res = await post(t, path, { ...(genuine ? headers : {}), 'Content-Encoding': coding }, encode(body));

    expect(res.status).toBe(415);
    expect(res.headers['accept-encoding']).toBe('gzip, deflate');
    expect(res.body).toEqual(failure('encoding_not_accepted'));
    expect(stored(t)).toBe(0);
    expect(await metricValue(t.registry, 'imgw_callback_errors_total', { vendor, reason: 'encoding_not_accepted' })).toBe(1);
  });
});
