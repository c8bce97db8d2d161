import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startService, type RunningService } from '../../src/service';
import { metricValue } from '../helpers/app';
import { loadFixture } from '../helpers/fixtures';
import { tempDataDir } from '../helpers/service';
import { callbackPath, TEST_TOKEN } from '../helpers/tencent';
import { startTencentHistoryStandin, type RoamMessage, type TencentHistoryStandin } from '../helpers/tencent-history-standin';
import { until } from '../helpers/wait';

const c2c = loadFixture('c2c-after-send-text');

describe('Tencent one-to-one backfill of an outage window, end to end', () => {
  let dataDir: string;
  let standin: TencentHistoryStandin;
  const running: RunningService[] = [];
  const start = async () => {
    const config = loadConfig(
      {
        PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: TEST_TOKEN,
        GAP_ALIVE_INTERVAL: '20ms', BACKFILL_OUTAGE_MIN: '0s',
        BACKFILL_TENCENT_URL: standin.url, BACKFILL_TENCENT_ADMIN: standin.identifier, BACKFILL_TENCENT_KEY: standin.key,
      },
      { sinks: [{ type: 'file', name: 'archive', path: join(dataDir, 'out.jsonl') }] },
    );
    const service = await startService(config, pino({ level: 'silent' }));
    running.push(service);
    return service;
  };
  /** The vendor's callback for a one-to-one message it stored (as Tencent sends it: with MsgId, UnreadMsgNum, EventTime). */
  const callback = (service: RunningService, m: RoamMessage) =>
    fetch(`http://127.0.0.1:${service.port}${callbackPath(c2c.query, { requestTime: Math.floor(Date.now() / 1000) })}`, {
      method: 'POST',
      body: JSON.stringify({ ...c2c.body, From_Account: m.From_Account, To_Account: m.To_Account, MsgSeq: m.MsgSeq, MsgRandom: m.MsgRandom, MsgTime: m.MsgTimeStamp, MsgKey: m.MsgKey, MsgId: `client-${m.MsgKey}`, MsgBody: m.MsgBody, EventTime: m.MsgTimeStamp * 1000 + 5 }),
    }).then(async (res) => (await res.json()) as { ActionStatus: string });
  const archived = (): { id: string; msgkey: string; backfill?: string }[] => {
    const path = join(dataDir, 'out.jsonl');
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; msgkey: string; backfill?: string }) : [];
  };

  beforeEach(async () => {
    dataDir = tempDataDir();
    standin = await startTencentHistoryStandin();
  });
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop();
    await standin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('When one-to-one messages were sent while the gateway was down, then each reaches the file sink exactly once from the roaming history, and their late callbacks are duplicates', async () => {
    const now = () => Math.floor(Date.now() / 1000);
    const first = await start();
    const seenBefore = [standin.sendC2C('alice', 'bob', 'before', now()), standin.sendC2C('carol', 'dave', 'hello', now())];
    for (const m of seenBefore) expect((await callback(first, m)).ActionStatus).toBe('OK');
    await until(() => archived().length === 2);
    await first.stop();
    const missed = [
      standin.sendC2C('bob', 'alice', 'while down 1', now()),
      standin.sendC2C('alice', 'bob', 'while down 2', now()),
      standin.sendC2C('dave', 'carol', 'while down 3', now()),
    ];
    // A pair that first talked during the outage was never seen: its history is not read.
    standin.sendC2C('erin', 'frank', 'never seen', now());

    const second = await start();

    await until(async () => (await metricValue(second.registry, 'imgw_gaps_open', { kind: 'window' })) === 0 && archived().length === 5);
    const late = await Promise.all(missed.map((m) => callback(second, m)));
    expect(late.map((r) => r.ActionStatus)).toEqual(['OK', 'OK', 'OK']);
    await until(async () => (await metricValue(second.registry, 'imgw_callbacks_total', { vendor: 'tencent', command: 'C2C.CallbackAfterSendMsg', outcome: 'duplicate' })) === 3);
    const events = archived();
    expect(events.map((e) => e.msgkey).sort()).toEqual([...seenBefore, ...missed].map((m) => m.MsgKey).sort());
    expect(new Set(events.map((e) => e.id)).size).toBe(5);
    expect(events.filter((e) => e.backfill === 'tencent/admin_getroammsg').map((e) => e.msgkey).sort()).toEqual(missed.map((m) => m.MsgKey).sort());
    expect(await metricValue(second.registry, 'imgw_backfilled_messages_total', { vendor: 'tencent', api: 'tencent/admin_getroammsg', outcome: 'accepted' })).toBe(3);
    expect(await metricValue(second.registry, 'imgw_backfilled_messages_total', { vendor: 'tencent', api: 'tencent/admin_getroammsg', outcome: 'duplicate' })).toBe(2);
    expect(await metricValue(second.registry, 'imgw_gaps_open', { kind: 'outage' })).toBe(0);
    expect(await metricValue(second.registry, 'imgw_gaps_detected_total', { kind: 'window' })).toBe(1);
    expect(standin.overLimit).toBe(0);
  });
});
