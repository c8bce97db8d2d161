// The periodic one-line traffic summary at info: on the service's clock, only when something happened.
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/config';
import { createMetrics } from '../../src/metrics';
import { createTrafficSummary, readTraffic } from '../../src/traffic-summary';

function setup(intervalMs = 60_000) {
  const registry = new Registry();
  const metrics = createMetrics(registry, ['file', 'nats']);
  const clock = { now: 1_000_000 };
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  let backlog = [{ sink: 'file', pending: 0, oldestReceivedAt: undefined }];
  const summary = createTrafficSummary({
    intervalMs,
    clock: () => clock.now,
    read: () => readTraffic(registry, { backlog }),
    log: (fields, message) => lines.push({ fields, message }),
  });
  return { metrics, clock, lines, summary, setBacklog: (pending: number) => (backlog = [{ sink: 'file', pending, oldestReceivedAt: undefined }]) };
}

test('When callbacks were answered and events written, then after the interval one line gives them by outcome, per sink, with the backlog', async () => {
  const { metrics, clock, lines, summary, setBacklog } = setup();
  metrics.callbackHandled('tencent', 'C2C.CallbackAfterSendMsg', 'accepted', 0.001);
  metrics.callbackHandled('tencent', 'C2C.CallbackAfterSendMsg', 'accepted', 0.001);
  metrics.callbackHandled('netease', 'other', 'duplicate', 0.001);
  metrics.sinkDelivered('file', 'ok', 2, 0.01);
  metrics.sinkDelivered('nats', 'timeout', 1, 2);
  setBacklog(1);

  clock.now += 59_000;
  await summary.tick();
  const early = lines.length;
  clock.now += 1_000;
  await summary.tick();

  expect(early).toBe(0);
  expect(lines).toEqual([
    {
      message: 'traffic in the last 60 s',
      fields: { seconds: 60, callbacks: { accepted: 2, duplicate: 1 }, deliveries: { file: { ok: 2 }, nats: { timeout: 1 } }, backlog: { file: 1 } },
    },
  ]);
});

test('When the next interval passes, then the line counts only what happened since the last one, and nothing is logged for a quiet interval', async () => {
  const { metrics, clock, lines, summary } = setup();
  metrics.callbackHandled('tencent', 'other', 'accepted', 0.001);
  clock.now += 60_000;
  await summary.tick();
  clock.now += 60_000;
  await summary.tick(); // nothing happened
  metrics.callbackHandled('tencent', 'other', 'rejected', 0.001);
  metrics.sinkDelivered('file', 'ok', 1, 0.01);
  clock.now += 60_000;
  await summary.tick();

  expect(lines.map((line) => line.fields)).toEqual([
    { seconds: 60, callbacks: { accepted: 1 }, deliveries: {}, backlog: { file: 0 } },
    { seconds: 60, callbacks: { rejected: 1 }, deliveries: { file: { ok: 1 } }, backlog: { file: 0 } },
  ]);
});

test('LOG_SUMMARY_INTERVAL sets the interval, 60 s by default; 0s turns the summary off', () => {
  const interval = (env: Record<string, string>) => loadConfig({ DATA_DIR: '/tmp/unused', ...env }, {}).logSummaryIntervalMs;

  expect(interval({})).toBe(60_000);
  expect(interval({ LOG_SUMMARY_INTERVAL: '5m' })).toBe(300_000);
  expect(interval({ LOG_SUMMARY_INTERVAL: '0s' })).toBe(0);
});
