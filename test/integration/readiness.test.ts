import { rmSync } from 'node:fs';
import type { RunningService } from '../../src/service';
import { loadFixture } from '../helpers/fixtures';
import { postCallback } from '../helpers/process';
import { startTestService, tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';
import { startWebhookReceiver } from '../helpers/webhook-receiver';

const sample = loadFixture('c2c-after-send-official');
const secret = 'whsec_cmVhZGluZXNzLXRlc3Qtc2VjcmV0LTMyLWJ5dGVzLi4=';

describe('GET /readyz and imgw_ready', () => {
  test('When a required sink is down long enough to open its circuit, then /readyz says degraded (200) with the sink, callbacks are still accepted, and it turns ready when the sink is back', async () => {
    const receiver = await startWebhookReceiver(secret);
    const dataDir = tempDataDir();
    // The service's one clock starts at the wall clock (the callback and the webhooks are signed with it) and is moved by the test in small steps.
    const clock = { now: Date.now() };
    const step = () => (clock.now += 100);
    const service: RunningService = await startTestService(
      dataDir,
      { sinks: [{ type: 'http', name: 'webhook', url: receiver.url, secret, retryInitialMs: 10, retryMaxMs: 20, circuitBreaker: { failureThreshold: 2, openMs: 300 } }] },
      () => clock.now,
    );
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${service.port}/readyz`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const metric = async () => /^imgw_ready (\d)/m.exec(await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text())?.[1];
    try {
      await receiver.stop();
      const accepted = await postCallback(service.port, sample, sample.body);
      await until(async () => (await readyz()).body.status === 'degraded', { step });
      const degraded = await readyz();
      const readyMetric = await metric();
      await receiver.start();
      await until(async () => (await readyz()).body.status === 'ready', { step });
      await until(() => receiver.events().length === 1);

      expect(accepted.reply).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
      expect(degraded).toEqual({ status: 200, body: { status: 'degraded', problems: [], degraded: ['circuit open for required sink(s): webhook'] } });
      expect(readyMetric).toBe('1');
    } finally {
      await service.stop();
      await receiver.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('When the service is draining, then imgw_ready reports 0', async () => {
    const dataDir = tempDataDir();
    const service = await startTestService(dataDir);
    const registry = service.registry;
    const stopping = service.stop();

    const value = (await registry.getSingleMetric('imgw_ready')!.get()).values[0]?.value;
    await stopping;
    rmSync(dataDir, { recursive: true, force: true });

    expect(value).toBe(0);
  });
});
