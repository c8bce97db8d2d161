import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli';
import { loadConfig } from '../../src/config';
import type { RunningService } from '../../src/service';
import { loadFixture } from '../helpers/fixtures';
import { postCallback, readJsonl } from '../helpers/process';
import { startTestService, tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';
import { TEST_TOKEN } from '../helpers/tencent';
import { startWebhookReceiver } from '../helpers/webhook-receiver';

const sample = loadFixture('c2c-after-send-official');
const secret = 'whsec_b3V0YWdlLXRlc3Qtc2VjcmV0LXNlY3JldC0zMi1ieXQ=';

describe('fault: one of two sinks fails', () => {
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let service: RunningService;
  let dataDir: string;
  let file: { sinks: Record<string, unknown>[] };
  afterEach(async () => {
    await service.stop();
    await receiver.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function send(count: number, prefix: string): Promise<string[]> {
    const keys = Array.from({ length: count }, (_, i) => `${prefix}_${i}`);
    for (let i = 0; i < keys.length; i += 10) {
      const replies = await Promise.all(keys.slice(i, i + 10).map((key) => postCallback(service.port, sample, { ...sample.body, MsgKey: key })));
      expect(replies.every((r) => r.status === 200 && r.reply.ActionStatus === 'OK')).toBe(true);
    }
    return keys;
  }

  test('When the webhook sink errors and then hangs, then the file sink keeps up, and after recovery the webhook gets everything once', async () => {
    receiver = await startWebhookReceiver(secret);
    dataDir = tempDataDir();
    const path = join(dataDir, 'events.jsonl');
    file = {
      sinks: [
        { type: 'file', path },
        { type: 'http', url: receiver.url, secret, timeoutMs: 300, retryInitialMs: 50, retryMaxMs: 200, circuitBreaker: { failureThreshold: 3, openMs: 300 } },
      ],
    };
    service = await startTestService(dataDir, file);
    receiver.respond(...Array.from({ length: 15 }, () => ({ status: 503 })), ...Array.from({ length: 10 }, () => ({ status: 200, hang: true })));

    const started = Date.now();
    const keys = await send(200, 'outage');
    await until(() => readJsonl(path).length >= 200);
    const healthyMs = Date.now() - started;
    const webhookDuringOutage = receiver.events().length;
    await until(() => receiver.events().length >= 200, 30_000);
    const recoveredMs = Date.now() - started;

    const fileKeys = readJsonl(path).map((e) => e.msgkey);
    const webhookKeys = receiver.events().map((e) => e.msgkey);
    console.log(
      `sink outage: 200 sent and answered OK; healthy file sink had all 200 after ${healthyMs} ms (webhook had ${webhookDuringOutage} then); ` +
        `webhook had all 200 after ${recoveredMs} ms, ${receiver.requests.length} webhook requests; file duplicates ${fileKeys.length - new Set(fileKeys).size}, webhook duplicates ${webhookKeys.length - new Set(webhookKeys).size}, lost 0`,
    );
    expect(new Set(fileKeys)).toEqual(new Set(keys));
    expect(fileKeys).toHaveLength(200);
    expect(new Set(webhookKeys)).toEqual(new Set(keys));
    expect(webhookKeys).toHaveLength(200);
  }, 60_000);

  test('When the webhook stays down past maxAge, then its events land in dead letters and a redrive delivers them', async () => {
    receiver = await startWebhookReceiver(secret);
    dataDir = tempDataDir();
    file = { sinks: [{ type: 'file' }, { type: 'http', url: receiver.url, secret, timeoutMs: 300, retryInitialMs: 20, retryMaxMs: 50, maxAgeMs: 500, circuitBreaker: { failureThreshold: 0 } }] };
    service = await startTestService(dataDir, file);
    await receiver.stop();

    const keys = await send(30, 'dlq');
    const config = loadConfig({ DATA_DIR: dataDir, TENCENT_CALLBACK_TOKENS: TEST_TOKEN }, file);
    const cli = async (...argv: string[]) => {
      const lines: string[] = [];
      await runCli(argv, config, { out: (line) => void lines.push(line), err: () => undefined });
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    };
    await until(async () => (await cli('dlq', 'list', '--sink', 'http', '--limit', '1000')).length === 30, 20_000);
    const dead = (await cli('dlq', 'list', '--sink', 'http', '--limit', '1000')).length;
    await receiver.start();
    const redriven = await cli('dlq', 'redrive', '--sink', 'http');
    await until(() => receiver.events().length === 30, 20_000);

    console.log(`sink outage with maxAge 500 ms: 30 sent, ${dead} dead-lettered for http, redrive moved ${redriven[0]?.redriven}, webhook received ${receiver.events().length}`);
    expect(dead).toBe(30);
    expect(new Set(receiver.events().map((e) => e.msgkey))).toEqual(new Set(keys));
    expect(readJsonl(join(dataDir, 'events.jsonl'))).toHaveLength(30);
  }, 60_000);
});
