import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { relayMarkerIn } from '../../src/events/relay-marker';
import { startEasemobStandin, type EasemobStandin } from '../helpers/easemob-standin';
import { answeredOk, mixedCallback, mixedVendorEnv, postMixed, type MixedVendor } from '../helpers/mixed-load';
import { startNeteaseStandin, type NeteaseStandin } from '../helpers/netease-standin';
import { launchService, readJsonl, type ServiceProcess } from '../helpers/process';
import { freePort } from '../helpers/servers';
import { tempDataDir } from '../helpers/service';
import { TEST_TOKEN } from '../helpers/tencent';
import { startTencentStandin, type TencentStandin } from '../helpers/tencent-standin';
import { holdsWithin, until } from '../helpers/wait';

const relayKey = 'three-way-relay-key-0123456789abcdef0123456789';
const eventIdOf = (ext: unknown) => {
  const marker = relayMarkerIn(ext);
  return marker.present ? String((marker.value as { eventId?: unknown }).eventId) : '';
};

/**
 * Every vendor a source and a target at once: Tencent → NetEase, NetEase → Easemob, Easemob → Tencent,
 * through one gateway, each stand-in calling the gateway back with the relayed copy (signed as its
 * vendor signs). The gateway is killed (-9) while sends of all three targets are in flight.
 */
describe('relay in every direction, with kill -9 mid-relay', () => {
  let tencent: TencentStandin;
  let netease: NeteaseStandin;
  let easemob: EasemobStandin;
  let dataDir: string;

  beforeEach(() => {
    dataDir = tempDataDir();
  });
  afterEach(async () => {
    await Promise.all([tencent?.close(), netease?.close(), easemob?.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('When 30 messages of three vendors are relayed and the gateway is killed mid-relay, then each reaches its target, none is lost, the copies coming back are neither stored nor relayed again, and only calls in flight at the kill repeat', async () => {
    const port = await freePort();
    const back = (vendor: string) => `http://127.0.0.1:${port}/${vendor}/callback`;
    tencent = await startTencentStandin({ sdkAppId: Number(mixedVendorEnv.TENCENT_SDKAPPIDS), callback: { url: back('tencent'), token: TEST_TOKEN } });
    netease = await startNeteaseStandin({ appKey: mixedVendorEnv.NETEASE_APP_KEY, appSecret: mixedVendorEnv.NETEASE_APP_SECRETS, callback: { url: back('netease') } });
    easemob = await startEasemobStandin({ org: 'acme', app: 'chatapp', callback: { url: back('easemob'), secret: mixedVendorEnv.EASEMOB_CALLBACK_SECRETS! } });
    const common = { targets: { users: { mode: 'same' } }, retryInitialMs: 20, retryMaxMs: 200, parallelSends: 4 };
    const sinks = [
      { type: 'file', name: 'audit', path: join(dataDir, 'audit.jsonl') },
      { type: 'netease', name: 'to-netease', baseUrl: netease.url, appKey: netease.appKey, appSecret: netease.appSecret, quotas: { p2p: { callsPerSecond: 2, messages: 2 } }, filter: { vendors: ['tencent'] }, ...common },
      { type: 'easemob', name: 'to-easemob', baseUrl: easemob.url, appKey: easemob.appKey, clientId: easemob.clientId, clientSecret: easemob.clientSecret, quotas: { users: { callsPerSecond: 2 } }, filter: { vendors: ['netease'] }, ...common },
      { type: 'tencent', name: 'to-tencent', baseUrl: tencent.url, sdkAppId: tencent.sdkAppId, secretKey: tencent.secretKey, quotas: { sendmsg: { callsPerSecond: 2, messages: 2 } }, filter: { vendors: ['easemob'] }, ...common },
    ];
    const configFile = join(dataDir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ sinks }));
    const env = { PORT: String(port), DATA_DIR: dataDir, CONFIG_FILE: configFile, RELAY_KEY: relayKey, ...mixedVendorEnv };
    const relayed = () => ({
      netease: netease.accepted.map((a) => eventIdOf(a.form.ext)),
      easemob: easemob.accepted.map((a) => eventIdOf(a.request.ext)),
      tencent: tencent.accepted.map((a) => eventIdOf(a.body.CloudCustomData)),
    });
    const total = () => netease.accepted.length + easemob.accepted.length + tencent.accepted.length;

    let gateway: ServiceProcess | undefined;
    try {
      gateway = await launchService(env, { signed: false });
      const answers = await Promise.all(Array.from({ length: 30 }, (_, n) => mixedCallback(n)).map(async (callback) => ({ vendor: callback.vendor, ...(await postMixed(port, callback)) })));
      await holdsWithin(() => total() >= 4, 20_000);
      await gateway.stop('SIGKILL');
      const beforeKill = total();
      gateway = await launchService(env, { signed: false });
      await until(() => Object.values(relayed()).every((ids) => new Set(ids).size === 10), 60_000);
      await Promise.all([tencent.callbacksSettled(), netease.callbacksSettled(), easemob.callbacksSettled()]);
      await until(() => readJsonl(join(dataDir, 'audit.jsonl')).length >= 30);
      const audit = readJsonl(join(dataDir, 'audit.jsonl')) as { id: string; vendor: MixedVendor }[];
      const sourceIds = (vendor: MixedVendor) => new Set(audit.filter((e) => e.vendor === vendor).map((e) => e.id));
      const ids = relayed();
      const duplicates = total() - 30;

      expect(answers.every((a) => answeredOk(a.vendor, a.status, a.reply))).toBe(true);
      expect(beforeKill).toBeLessThan(30);
      expect(new Set(audit.map((e) => e.id)).size).toBe(30);
      expect(new Set(ids.netease)).toEqual(sourceIds('tencent'));
      expect(new Set(ids.easemob)).toEqual(sourceIds('netease'));
      expect(new Set(ids.tencent)).toEqual(sourceIds('easemob'));
      // At most the calls in flight at the kill repeat: parallelSends (4) conversations per relay sink.
      expect(duplicates).toBeLessThanOrEqual(12);
      const answered = [...tencent.callbacks, ...netease.callbacks, ...easemob.callbacks].filter((c) => c.status !== 'error');
      expect(answered.length).toBeGreaterThan(0);
      expect(answered.every((c) => c.status === 200)).toBe(true);
      console.log(`three-way relay, kill -9 after ${beforeKill} sends: ${total()} sends for 30 messages, ${duplicates} repeated; ${answered.length} copies came back and were recognised`);
    } catch (error) {
      throw new Error(`${(error as Error).message}; sends ${total()}; gateway output:\n${gateway?.output().slice(-3000) ?? ''}`, { cause: error });
    } finally {
      await gateway?.stop();
    }
  }, 180_000);
});
