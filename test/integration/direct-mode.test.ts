import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningService } from '../../src/service';
import { loadFixture } from '../helpers/fixtures';
import { startTestService, tempDataDir } from '../helpers/service';
import { callbackPath } from '../helpers/tencent';
import { startWebhookReceiver } from '../helpers/webhook-receiver';
import { until } from '../helpers/wait';

const secret = 'whsec_ZGlyZWN0LW1vZGUtdGVzdC1zZWNyZXQtMzItYnl0ZXM=';
const sample = loadFixture('c2c-after-send-official');

describe('ACK_MODE=direct', () => {
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let service: RunningService;
  let dataDir: string;
  beforeAll(async () => {
    receiver = await startWebhookReceiver(secret);
    dataDir = tempDataDir();
    service = await startTestService(dataDir, { sinks: [{ type: 'http', url: receiver.url, secret, timeoutMs: 1000 }] }, undefined, { ACK_MODE: 'direct' });
  });
  afterAll(async () => {
    await service.stop();
    await receiver.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async () => {
    const res = await fetch(`http://127.0.0.1:${service.port}${callbackPath(sample.query, { requestTime: Math.floor(Date.now() / 1000) })}`, {
      method: 'POST',
      body: JSON.stringify(sample.body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test('When the required sink is down, then the reply is 503 FAIL; when it is back, the resend is accepted (not a duplicate) and it holds the event', async () => {
    await receiver.stop();
    const refused = await post();
    await receiver.start();
    const accepted = await post();
    const again = await post();

    expect(refused.status).toBe(503);
    expect(refused.body.ErrorInfo).toBe('required sink http did not take the event; retry later'); // the cause (addresses) stays in the log
    expect(accepted).toEqual({ status: 200, body: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' } });
    expect(again.body.ErrorInfo).toBe('duplicate: already received');
    expect(receiver.events().map((e) => e.msgkey)).toEqual(['48374_2837546_1557481126']);
  });

  test('When a copy arrives while the first is still being written and that write fails, then both are answered 503 (neither OK)', async () => {
    const body = { ...sample.body, MsgKey: 'concurrent' };
    const send = async () => {
      const res = await fetch(`http://127.0.0.1:${service.port}${callbackPath(sample.query, { requestTime: Math.floor(Date.now() / 1000) })}`, { method: 'POST', body: JSON.stringify(body) });
      return res.status;
    };
    receiver.respond({ status: 200, hang: true });
    const before = receiver.requests.length;

    const first = send();
    // The copy is sent once the first write has reached the receiver (which holds it until the sink times out).
    await until(() => receiver.requests.length > before);
    const statuses = await Promise.all([first, send()]);
    const retry = await send();

    expect(statuses).toEqual([503, 503]);
    expect(retry).toBe(200);
    expect(receiver.events().filter((e) => e.msgkey === 'concurrent')).toHaveLength(1);
  });

  test('When running in direct mode, then no spool file is written to disk', () => {
    expect(existsSync(join(dataDir, 'spool.db'))).toBe(false);
  });
});
