import { execFileSync } from 'node:child_process';
import request from 'supertest';
import { buildTestApp, histogramCount, metricValue, type TestApp } from '../helpers/app';
import { loadFixture } from '../helpers/fixtures';
import { until } from '../helpers/wait';
import { callbackPath } from '../helpers/tencent';

const post = (t: TestApp, path: string, body: unknown) =>
  request(t.app).post(path).set('Content-Type', 'application/json').send(JSON.stringify(body));

describe('POST /tencent/callback › metrics', () => {
  let t: TestApp;
  beforeEach(() => {
    t = buildTestApp();
  });
  afterEach(() => t.close());

  test('When callbacks of every outcome arrive, then imgw_callbacks_total counts each by command and outcome', async () => {
    const text = loadFixture('c2c-after-send-text');
    await post(t, callbackPath(text.query), text.body);
    await post(t, callbackPath(text.query), text.body);
    await post(t, callbackPath(text.query), { ...text.body, MsgBody: 'nope' });
    await post(t, callbackPath(text.query, { token: 'wrong' }), text.body);
    await post(t, callbackPath({ ...text.query, CallbackCommand: 'Made.Up' }), { CallbackCommand: 'Made.Up' });

    const count = (command: string, outcome: string) => metricValue(t.registry, 'imgw_callbacks_total', { vendor: 'tencent', command, outcome });
    expect(await count('C2C.CallbackAfterSendMsg', 'accepted')).toBe(1);
    expect(await count('C2C.CallbackAfterSendMsg', 'duplicate')).toBe(1);
    expect(await count('C2C.CallbackAfterSendMsg', 'quarantined')).toBe(1);
    expect(await count('C2C.CallbackAfterSendMsg', 'rejected')).toBe(1);
    expect(await count('other', 'accepted')).toBe(1);
    expect(await metricValue(t.registry, 'imgw_callback_errors_total', { vendor: 'tencent', reason: 'auth_failed' })).toBe(1);
    expect(await metricValue(t.registry, 'imgw_callback_errors_total', { vendor: 'tencent', reason: 'invalid_payload' })).toBe(1);
    expect(await histogramCount(t.registry, 'imgw_callback_duration_seconds', { command: 'C2C.CallbackAfterSendMsg' })).toBe(4);
  });

  test('When messages are accepted, then element types, send failures, lag, unread and platforms are recorded', async () => {
    for (const name of ['c2c-after-send-multi', 'c2c-after-send-failed', 'c2c-after-send-unknown-element', 'c2c-after-send-text']) {
      const fixture = loadFixture(name);
      await post(t, callbackPath(fixture.query), fixture.body);
    }

    const elements = (msgType: string) => metricValue(t.registry, 'imgw_message_elements_total', { vendor: 'tencent', msg_type: msgType });
    expect(await elements('TIMTextElem')).toBe(4);
    expect(await elements('TIMFaceElem')).toBe(1);
    expect(await elements('other')).toBe(1);
    expect(await metricValue(t.registry, 'imgw_message_send_failures_total', { vendor: 'tencent' })).toBe(1);
    expect(await histogramCount(t.registry, 'imgw_message_lag_seconds', { vendor: 'tencent' })).toBe(4);
    expect(await histogramCount(t.registry, 'imgw_unread_messages')).toBe(3);
    expect(await metricValue(t.registry, 'imgw_callback_platforms_total', { vendor: 'tencent', platform: 'RESTAPI' })).toBe(1);
    expect(await metricValue(t.registry, 'imgw_callback_platforms_total', { vendor: 'tencent', platform: 'Android' })).toBe(3);
  });

  test('When events are waiting, then the spool gauges show them per sink; after delivery they return to 0', async () => {
    t.sink.failNext(100_000);
    const text = loadFixture('c2c-after-send-text');
    await post(t, callbackPath(text.query), text.body);
    await until(async () => ((await metricValue(t.registry, 'imgw_sink_deliveries_total', { sink: 'memory', outcome: 'error' })) ?? 0) >= 1);
    t.clock.now += 7_000;
    // The spool gauges read the pressure snapshot, refreshed once a second: take a reading now.
    t.pressure.refresh();

    expect(await metricValue(t.registry, 'imgw_spool_pending_events', { sink: 'memory' })).toBe(1);
    expect(await metricValue(t.registry, 'imgw_spool_oldest_pending_seconds', { sink: 'memory' })).toBe(7);
    const failures = (await metricValue(t.registry, 'imgw_sink_deliveries_total', { sink: 'memory', outcome: 'error' })) ?? 0;
    t.sink.clearFailures();
    await t.sink.waitFor(1);
    await until(async () => (await metricValue(t.registry, 'imgw_spool_pending_events', { sink: 'memory' })) === 0);
    expect(failures).toBeGreaterThanOrEqual(1);
    expect(await metricValue(t.registry, 'imgw_sink_deliveries_total', { sink: 'memory', outcome: 'ok' })).toBe(1);
  });

  test('When quarantined requests pass QUARANTINE_MAX_BYTES, then the oldest are dropped and imgw_quarantine_dropped_total counts them by vendor and reason', async () => {
    await t.close();
    t = buildTestApp({ quarantineMaxBytes: 2500 });
    const text = loadFixture('c2c-after-send-text');
    const invalid = { ...text.body, MsgBody: 'x'.repeat(1000) };
    for (let i = 0; i < 5; i += 1) await post(t, callbackPath(text.query), { ...invalid, MsgKey: `q${i}` });
    await request(t.app).post(callbackPath(text.query)).set('Content-Type', 'application/json').send(`{${'y'.repeat(1000)}`);

    expect(await metricValue(t.registry, 'imgw_callbacks_total', { vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', outcome: 'quarantined' })).toBe(6);
    expect(t.spool.quarantineSize().entries).toBe(2);
    expect(await metricValue(t.registry, 'imgw_quarantine_dropped_total', { vendor: 'tencent', reason: 'invalid_payload' })).toBe(4);
    expect(await metricValue(t.registry, 'imgw_quarantine_dropped_total', { vendor: 'tencent', reason: 'malformed_json' })).toBeUndefined();
  });

  test('When /metrics is scraped, then our families pass promtool check metrics and carry no user ids or message keys', async () => {
    const text = loadFixture('c2c-after-send-text');
    await post(t, callbackPath(text.query), text.body);
    await post(t, callbackPath(text.query, { token: 'x' }), text.body);

    const res = await request(t.app).get('/metrics');
    const ours = res.text.split('\n').filter((line) => /^(# (HELP|TYPE) )?imgw_/.test(line)).join('\n') + '\n';
    const lint = execFileSync('promtool', ['check', 'metrics'], { timeout: 60_000, input: ours, encoding: 'utf8' });

    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    expect(lint.trim()).toBe('');
    expect(ours).toContain('imgw_callbacks_total{vendor="tencent",command="C2C.CallbackAfterSendMsg",outcome="accepted"} 1');
    for (const secret of ['user_alice', 'user_bob', '93847_1287657_1767225601']) expect(res.text).not.toContain(secret);
  });
});
