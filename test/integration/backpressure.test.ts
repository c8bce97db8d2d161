import request from 'supertest';
import { buildTestApp, expectTencentReply, metricValue, type TestApp } from '../helpers/app';
import { loadFixture, type TencentFixture } from '../helpers/fixtures';
import { callbackPath } from '../helpers/tencent';
import { until } from '../helpers/wait';

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
    t.clock.now += 60_000; // past every retry delay (the test app's retries back off at most 50 ms)
    await t.sink.waitFor(3);
    await until(() => t.pressure.reason() === undefined);
    expectTencentReply(await post(t, text, 'k5'), { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
  });

  test('When undelivered data passes SPOOL_MAX_BYTES and no delivered history is left to prune, then new callbacks get 503', async () => {
    t = buildTestApp({ limits: { maxPending: 0, maxBytes: 1, maxAgeMs: 0 } });
    await until(() => t.pressure.reason() !== undefined);

    const res = await post(t, text, 'k1');

    expectTencentReply(res, { status: 503, ActionStatus: 'FAIL', ErrorInfo: /^spool is full: \d+ bytes of undelivered events \(limit 1\); retry later$/ });
  });

  test('When delivered history fills the spool past SPOOL_MAX_BYTES, then the oldest history is pruned, it is counted, and new callbacks are still accepted', async () => {
    const maxBytes = 1024 * 1024;
    t = buildTestApp({ limits: { maxPending: 0, maxBytes, maxAgeMs: 0 } });
    const history = 3000;
    const filler = JSON.stringify({ ...text.body, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'h'.repeat(1000) } }] });
    for (let i = 0; i < history; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          t.spool.append({ attributes: { specversion: '1.0', id: `history-${i + j}`, source: 's', type: 't', time: '2026-01-01T00:00:00Z', datacontenttype: 'application/json' }, data: filler }, 1000 + i + j),
        ),
      );
    }
    await t.sink.waitFor(history);
    await until(async () => ((await metricValue(t.registry, 'imgw_spool_pressure_pruned_events_total')) ?? 0) > 0 && t.spool.storedBytes() < maxBytes);

    const res = await post(t, text, 'after-history');

    expectTencentReply(res, { status: 200, ActionStatus: 'OK', ErrorInfo: '' });
    expect(t.pressure.reason()).toBeUndefined();
    // Oldest first: what is left is the newest history, so de-duplication still covers the latest events.
    const kept = t.spool.admin.events(1_000_000).map((row) => row.id).filter((id) => id.startsWith('history-'));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(history);
    expect(kept.at(-1)).toBe(`history-${history - 1}`);
    expect(kept[0]).toBe(`history-${history - kept.length}`);
    expect(await t.spool.append({ attributes: { specversion: '1.0', id: `history-${history - 1}`, source: 's', type: 't', time: '2026-01-01T00:00:00Z', datacontenttype: 'application/json' }, data: '{}' }, 1)).toBe('duplicate');
  });

  test('When the spool is damaged, then callbacks get 503 FAIL counted as spool_damaged (not spool_full), with the runbook named, and /readyz says so', async () => {
    t = buildTestApp();
    // What node:sqlite throws for SQLITE_CORRUPT (11).
    t.spool.noteError(Object.assign(new Error('database disk image is malformed'), { code: 'ERR_SQLITE_ERROR', errcode: 11, errstr: 'database disk image is malformed' }));
    t.pressure.refresh();

    const refused = await post(t, text, 'd1');
    const ready = await request(t.app).get('/readyz');

    expectTencentReply(refused, { status: 503, ActionStatus: 'FAIL', ErrorInfo: 'spool is damaged (SQLITE_CORRUPT: database disk image is malformed); see the runbook' });
    expect(refused.headers['retry-after']).toBe('30');
    expect(ready.status).toBe(503);
    expect(ready.body.problems).toEqual(['spool is damaged (SQLITE_CORRUPT: database disk image is malformed); see the runbook']);
    expect(await metricValue(t.registry, 'imgw_callback_errors_total', { vendor: 'tencent', reason: 'spool_damaged' })).toBe(1);
    expect(await metricValue(t.registry, 'imgw_callback_errors_total', { vendor: 'tencent', reason: 'spool_full' })).toBeUndefined();
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
