import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFixture } from '../helpers/fixtures';
import { launchService, type ServiceProcess } from '../helpers/process';
import { startRedis, type TestServer } from '../helpers/servers';
import { tempDataDir } from '../helpers/service';
import { callbackPath } from '../helpers/tencent';
import { startTencentHistoryStandin, type HistoryMessage, type TencentHistoryStandin } from '../helpers/tencent-history-standin';
import { until } from '../helpers/wait';

const group = loadFixture('group-after-send');

describe('Backfill quotas of several gateways, end to end', () => {
  let redis: TestServer;
  let standin: TencentHistoryStandin;
  const dirs: string[] = [];
  const running: ServiceProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop();
    await standin.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await redis.destroy();
  });

  // Each gateway is a process of its own, as pods are: the stand-in, in the test's process, reads each
  // call when it arrives instead of after the gateways' work on a shared event loop (a call counted by
  // the quota in one second would otherwise be read in the next).
  const startPod = async (rate: string, shared = true) => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const configFile = join(dataDir, 'sinks.json');
    writeFileSync(configFile, JSON.stringify({ sinks: [{ type: 'file', name: 'archive', path: join(dataDir, 'out.jsonl') }] }));
    const service = await launchService({
      PORT: '0', DATA_DIR: dataDir, CONFIG_FILE: configFile, GAP_SEQUENCE_GRACE: '0s',
      BACKFILL_TENCENT_URL: standin.url, BACKFILL_TENCENT_ADMIN: standin.identifier, BACKFILL_TENCENT_KEY: standin.key, BACKFILL_TENCENT_RATE: rate, ...(shared ? { BACKFILL_REDIS_URL: redis.url } : {}),
    });
    running.push(service);
    const archived = () => (existsSync(join(dataDir, 'out.jsonl')) ? readFileSync(join(dataDir, 'out.jsonl'), 'utf8').split('\n').filter(Boolean).length : 0);
    return { service, archived };
  };
  const callback = (service: ServiceProcess, groupId: string, m: HistoryMessage) =>
    fetch(`http://127.0.0.1:${service.port}${callbackPath(group.query, { requestTime: Math.floor(Date.now() / 1000) })}`, {
      method: 'POST',
      body: JSON.stringify({ ...group.body, GroupId: groupId, From_Account: m.From_Account, Random: m.MsgRandom, MsgSeq: m.MsgSeq, MsgTime: m.MsgTimeStamp, MsgBody: m.MsgBody }),
    }).then(async (res) => (await res.json()) as { ActionStatus: string });

  /** Two pods (sharing their quota through Redis or not) fill a gap of 201 messages each at once; resolves the callbacks' replies. */
  const fillTwoGaps = async (shared: boolean) => {
    const pods = await Promise.all([startPod('5', shared), startPod('5', shared)]);
    const groups = ['@TGS#podA', '@TGS#podB'];
    const sent = groups.map((id) => Array.from({ length: 201 }, (_, i) => standin.send(id, 'alice', `message ${i}`, Math.floor(Date.now() / 1000))));
    const replies = await Promise.all(pods.flatMap((pod, i) => [callback(pod.service, groups[i]!, sent[i]![0]!), callback(pod.service, groups[i]!, sent[i]![200]!)]));
    await until(() => pods.every((pod) => pod.archived() === 201), { timeoutMs: 30_000, what: 'both gaps filled from the history' });
    return replies;
  };

  test('When two gateways fill group gaps of one app at once, then together they stay within BACKFILL_TENCENT_RATE calls a second at the vendor', async () => {
    // Two calls a second of slack at the vendor, for calls that reach it just after the second the
    // quota counted them in: the quota counts a call when it goes, and the stand-in when its event loop
    // reads it, so a machine that holds either process up moves a call granted late in one second into
    // the stand-in's next (a starved core has moved two). Quotas that were not shared would send 10 a
    // second, over this limit every second (the next test).
    standin = await startTencentHistoryStandin({ perSecond: 7 });
    const replies = await fillTwoGaps(true);

    expect(replies.map((r) => r.ActionStatus)).toEqual(['OK', 'OK', 'OK', 'OK']);
    expect(standin.calls).toBeGreaterThanOrEqual(20);
    expect(standin.overLimit).toBe(0);
  });

  test('When the same two gateways do not share their quota, then the vendor sees them over the limit (the check above can fail)', async () => {
    standin = await startTencentHistoryStandin({ perSecond: 7 });
    await fillTwoGaps(false);

    // Each pod counts its own 5 a second: 10 a second reach the vendor while both fill, and the calls
    // it refused were made again a second later (both gaps are filled all the same).
    expect(standin.overLimit).toBeGreaterThan(0);
  });
});
