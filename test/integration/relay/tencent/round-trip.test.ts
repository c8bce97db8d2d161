import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Event } from '../../../../src/events/event';
import { openSpool } from '../../../../src/pipeline/spool';
import { neutralMessageEvent } from '../../../helpers/easemob-standin';
import { readJsonl } from '../../../helpers/process';
import { freePort } from '../../../helpers/servers';
import { startTestService, tempDataDir } from '../../../helpers/service';
import { startTencentStandin, type TencentStandin } from '../../../helpers/tencent-standin';
import { until } from '../../../helpers/wait';

const relayKey = 'tencent-e2e-relay-key-0123456789abcdef012345';
const token = 'tc-callback-token-42';

/** Posts a Tencent after-send callback signed with the callback token, as Tencent would. */
async function postTencent(port: number, sdkAppId: number, body: Record<string, unknown>): Promise<unknown> {
  const requestTime = String(Math.floor(Date.now() / 1000));
  const query = new URLSearchParams({ SdkAppid: String(sdkAppId), CallbackCommand: String(body.CallbackCommand), contenttype: 'json', Sign: createHash('sha256').update(token + requestTime).digest('hex'), RequestTime: requestTime });
  const res = await fetch(`http://127.0.0.1:${port}/tencent/callback?${query.toString()}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json();
}

/**
 * An Easemob message relayed to Tencent: Tencent's after-send callback of the relayed copy comes back
 * signed, the gateway answers it, does not store it and does not relay it again; the same marker on
 * another text or another recipient (forged, replayed) is kept as user content.
 */
describe('Easemob → Tencent relay, round trip', () => {
  let standin: TencentStandin;
  let dataDir: string;

  beforeEach(() => {
    dataDir = tempDataDir();
  });
  afterEach(async () => {
    await standin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("When a relayed message's callback comes back, then it is not stored nor relayed again; a forged or replayed marker is stored and counted", async () => {
    const port = await freePort();
    standin = await startTencentStandin({ callback: { url: `http://127.0.0.1:${port}/tencent/callback`, token } });
    const source: Event = neutralMessageEvent({ vendor: 'easemob', appId: 'acme#chatapp', to: 'bob' });
    const spool = openSpool({ path: join(dataDir, 'spool.db'), sinks: ['to-tencent'] });
    await spool.append(source, Date.now());
    spool.close();
    const sinks = [
      { type: 'file', name: 'audit', path: join(dataDir, 'audit.jsonl') },
      { type: 'tencent', name: 'to-tencent', baseUrl: standin.url, sdkAppId: standin.sdkAppId, secretKey: standin.secretKey, targets: { users: { mode: 'same' } }, retryInitialMs: 10 },
    ];
    // The event is relayed as soon as the service starts, before its callback port listens.
    standin.holdCallbacks();
    const service = await startTestService(dataDir, { sinks }, undefined, { PORT: String(port), RELAY_KEY: relayKey, TENCENT_CALLBACK_TOKENS: token, TENCENT_SDKAPPIDS: String(standin.sdkAppId) });
    standin.releaseCallbacks();
    const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    try {
      await until(() => standin.callbacks.length === 1, 15_000);
      await standin.callbacksSettled();
      const echoed = standin.callbacks[0]!.body;
      const forged = { ...echoed, MsgKey: 'forged_1', MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hidden from the archive?' } }] };
      const replayed = { ...echoed, MsgKey: 'replayed_1', To_Account: 'carol' };

      const replies = [await postTencent(port, standin.sdkAppId, forged), await postTencent(port, standin.sdkAppId, replayed)];
      // The forged and replayed ones are user content: stored, and relayed like any message (back to Tencent here).
      await until(() => readJsonl(join(dataDir, 'audit.jsonl')).length === 2 && standin.callbacks.length === 3, 15_000);
      await standin.callbacksSettled();
      const text = await metrics();

      expect(standin.callbacks.map((c) => c.status)).toEqual([200, 200, 200]);
      expect(standin.accepted.map((a) => a.body.To_Account)).toEqual(['bob', 'bob', 'carol']);
      expect(text).toMatch(/^imgw_callbacks_ignored_total\{vendor="tencent",reason="relayed"\} 3$/m);
      expect(text).toMatch(/^imgw_callbacks_suspicious_total\{vendor="tencent",reason="forged_relay_marker"\} 2$/m);
      expect(replies).toEqual([{ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' }, { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' }]);
      expect(readJsonl(join(dataDir, 'audit.jsonl')).map((e) => (e as { vendor: string }).vendor)).toEqual(['tencent', 'tencent']);
    } finally {
      await service.stop();
    }
  }, 60_000);
});
