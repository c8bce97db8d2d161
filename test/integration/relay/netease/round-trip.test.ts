import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSpool } from '../../../../src/pipeline/spool';
import { neutralMessageEvent } from '../../../helpers/easemob-standin';
import { mixedVendorEnv } from '../../../helpers/mixed-load';
import { postJson, readJsonl } from '../../../helpers/process';
import { freePort } from '../../../helpers/servers';
import { startTestService, tempDataDir } from '../../../helpers/service';
import { startNeteaseStandin, type NeteaseStandin } from '../../../helpers/netease-standin';
import { until } from '../../../helpers/wait';

const relayKey = 'netease-e2e-relay-key-0123456789abcdef01234';

/** Posts a NetEase message copy signed as NetEase signs it (MD5 of the body, CheckSum = sha1(AppSecret + MD5 + CurTime)). */
function postCopy(port: number, copy: Record<string, unknown>) {
  const body = Buffer.from(JSON.stringify(copy));
  const md5 = createHash('md5').update(body).digest('hex');
  const curTime = String(Date.now());
  const checksum = createHash('sha1').update(`${mixedVendorEnv.NETEASE_APP_SECRETS!}${md5}${curTime}`).digest('hex');
  return postJson(port, { path: '/netease/callback', headers: { 'content-type': 'application/json', appkey: mixedVendorEnv.NETEASE_APP_KEY!, curtime: curTime, md5, checksum }, body });
}

/**
 * A Tencent message relayed to NetEase: NetEase's copy of the relayed message comes back signed, the
 * gateway answers it, does not store it and does not relay it again; the same `ext` on another text
 * or another recipient (forged, replayed) is kept as user content.
 */
describe('Tencent → NetEase relay, round trip', () => {
  let standin: NeteaseStandin;
  let dataDir: string;

  beforeEach(() => {
    dataDir = tempDataDir();
  });
  afterEach(async () => {
    await standin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("When a relayed message's copy comes back, then it is not stored nor relayed again; a forged or replayed marker is stored and counted", async () => {
    const port = await freePort();
    standin = await startNeteaseStandin({ appKey: mixedVendorEnv.NETEASE_APP_KEY, appSecret: mixedVendorEnv.NETEASE_APP_SECRETS, callback: { url: `http://127.0.0.1:${port}/netease/callback` } });
    const spool = openSpool({ path: join(dataDir, 'spool.db'), sinks: ['to-netease'] });
    await spool.append(neutralMessageEvent({ to: 'bob' }), Date.now());
    spool.close();
    const sinks = [
      { type: 'file', name: 'audit', path: join(dataDir, 'audit.jsonl') },
      { type: 'netease', name: 'to-netease', baseUrl: standin.url, appKey: standin.appKey, appSecret: standin.appSecret, targets: { users: { mode: 'same' } }, filter: { vendors: ['tencent'] }, retryInitialMs: 10 },
    ];
    // The event is relayed as soon as the service starts, before its callback port listens.
    standin.holdCallbacks();
    const service = await startTestService(dataDir, { sinks }, undefined, { PORT: String(port), RELAY_KEY: relayKey, NETEASE_APP_SECRETS: mixedVendorEnv.NETEASE_APP_SECRETS!, NETEASE_APP_KEY: mixedVendorEnv.NETEASE_APP_KEY! });
    standin.releaseCallbacks();
    try {
      await until(() => standin.callbacks.length === 1, 15_000);
      await standin.callbacksSettled();
      const echoed = standin.callbacks[0]!.body;
      const forged = { ...echoed, msgidServer: '9000000000001', msgidClient: 'forged-1', body: 'hidden from the archive?' };
      const replayed = { ...echoed, msgidServer: '9000000000002', msgidClient: 'replayed-1', to: 'carol' };

      const replies = [await postCopy(port, forged), await postCopy(port, replayed)];
      await until(() => readJsonl(join(dataDir, 'audit.jsonl')).length === 2);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

      expect(standin.callbacks[0]!.status).toBe(200);
      expect(replies.map((r) => r.reply.code)).toEqual([200, 200]);
      expect(metrics).toMatch(/^imgw_callbacks_ignored_total\{vendor="netease",reason="relayed"\} 1$/m);
      expect(metrics).toMatch(/^imgw_callbacks_suspicious_total\{vendor="netease",reason="forged_relay_marker"\} 2$/m);
      expect(readJsonl(join(dataDir, 'audit.jsonl')).map((e) => (e as { vendor: string }).vendor)).toEqual(['netease', 'netease']);
      // The sink relays only Tencent messages: the NetEase ones stored above are not sent back to NetEase.
      expect(standin.accepted).toHaveLength(1);
    } finally {
      await service.stop();
    }
  }, 60_000);
});
