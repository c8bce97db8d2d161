import request from 'supertest';
import { buildTestApp, expectTencentReply, metricValue, type TestApp } from '../helpers/app';
import { loadFixture, type TencentFixture } from '../helpers/fixtures';
import { callbackPath } from '../helpers/tencent';
import { until } from '../helpers/service';

const text = loadFixture('c2c-after-send-text');
const before = loadFixture('c2c-before-send');
const post = (t: TestApp, fixture: TencentFixture, key: string) =>
  request(t.app).post(callbackPath(fixture.query)).set('Content-Type', 'application/json').send(JSON.stringify({ ...fixture.body, MsgKey: key }));

describe('POST /tencent/callback › backpressure', () => {
  let t: TestApp;
  afterEach(() => t.close());

  test('When events pile up past SPOOL_MAX_PENDING, then new callbacks get 503 FAIL with Retry-After, /readyz is 503, and accepted events still flow once the sink recovers', async () => {
    t = buildTestApp({ limits: { maxPending: 3, maxBytes: 0, maxAgeMs: 0 } });
    t.sink.failNext(1_000_000);
    for (const key of ['k1', 'k2', 'k3']) expectTencentReply(await post(t, text, key), { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
    await until(() => t.pressure.reason() !== undefined);

    const refused = await post(t, text, 'k4');
    const ready = await request(t.app).get('/readyz');
    const allowed = await post(t, before, 'b1');

    expectTencentReply(refused, { status: 503, ActionStatus: 'FAIL', ErrorInfo: 'spool is full: 3 events wait for sink memory (limit 3); retry later' });
    expect(refused.headers['retry-after']).toBe('5');
    expect(ready.status).toBe(503);
    expect(ready.body.problems).toEqual(['spool is full: 3 events wait for sink memory (limit 3)']);
    expectTencentReply(allowed, { status: 200, ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    expect(await metricValue(t.registry, 'imgw_callback_errors_total', { vendor: 'tencent', reason: 'spool_full' })).toBe(2);
    t.sink.clearFailures();
    await t.sink.waitFor(3);
    await until(() => t.pressure.reason() === undefined);
    expectTencentReply(await post(t, text, 'k5'), { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
  });

  test('When the spool files pass SPOOL_MAX_BYTES, then new callbacks get 503', async () => {
    t = buildTestApp({ limits: { maxPending: 0, maxBytes: 1, maxAgeMs: 0 } });
    await until(() => t.pressure.reason() !== undefined);

    const res = await post(t, text, 'k1');

    expectTencentReply(res, { status: 503, ActionStatus: 'FAIL', ErrorInfo: /^spool is full: \d+ bytes on disk \(limit 1\); retry later$/ });
  });

  test('When callbacks arrive faster than INGEST_RATE_LIMIT, then the excess gets 429 FAIL with Retry-After', async () => {
    t = buildTestApp({ ratePerSecond: 2 });

    const replies = [];
    for (const key of ['r1', 'r2', 'r3', 'r4']) replies.push(await post(t, text, key));

    expect(replies.map((r) => r.status)).toEqual([200, 200, 429, 429]);
    expectTencentReply(replies[2]!, { status: 429, ActionStatus: 'FAIL', ErrorInfo: 'too many callbacks; retry later' });
    expect(replies[2]!.headers['retry-after']).toBe('1');
  });

  test('When a forged request arrives while rate limited, then it is still told 401 (authentication comes first)', async () => {
    t = buildTestApp({ ratePerSecond: 1 });
    await post(t, text, 'r1');

    const res = await request(t.app).post(callbackPath(text.query, { token: 'wrong' })).send(JSON.stringify(text.body));

    expect(res.status).toBe(401);
  });
});
