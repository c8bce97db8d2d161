import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startService, type RunningService } from '../../src/service';
import { metricValue } from '../helpers/app';
import { historyStandinApp, startNeteaseHistoryStandin, type NeteaseHistoryStandin, type StoredMessage } from '../helpers/netease-history-standin';
import { tempDataDir } from '../helpers/service';
import { until } from '../helpers/wait';

type Archived = { id: string; messageid: string; backfill?: string };

describe('NetEase backfill of an outage window, end to end', () => {
  let dataDir: string;
  let standin: NeteaseHistoryStandin;
  /** Where the stand-in posts its callbacks: the gateway running now (each start listens on a new port). */
  let gatewayUrl = 'http://127.0.0.1:9/netease/callback';
  const running: RunningService[] = [];
  const start = async () => {
    const config = loadConfig(
      {
        PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, NETEASE_APP_SECRETS: historyStandinApp.appSecret, NETEASE_APP_KEY: historyStandinApp.appKey,
        GAP_ALIVE_INTERVAL: '20ms', BACKFILL_OUTAGE_MIN: '0s',
        BACKFILL_NETEASE_URL: standin.url, BACKFILL_NETEASE_SECRET: historyStandinApp.appSecret, BACKFILL_NETEASE_ACCOUNT: 'ops',
      },
      { sinks: [{ type: 'file', name: 'archive', path: join(dataDir, 'out.jsonl') }] },
    );
    const service = await startService(config, pino({ level: 'silent' }));
    running.push(service);
    gatewayUrl = `http://127.0.0.1:${service.port}/netease/callback`;
    return service;
  };
  const archived = (): Archived[] => {
    const path = join(dataDir, 'out.jsonl');
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Archived) : [];
  };
  const ids = (messages: readonly StoredMessage[]) => messages.map((m) => String(m.msgid)).sort();

  beforeEach(async () => {
    dataDir = tempDataDir();
    standin = await startNeteaseHistoryStandin({ callback: { get url() { return gatewayUrl; } } });
  });
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop();
    await standin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('When one-to-one and team messages were sent while the gateway was down, then each reaches the file sink exactly once from the history, and their late callbacks are duplicates', async () => {
    standin.team('2348319786');
    const first = await start();
    const seenBefore = [
      standin.send({ convType: 'PERSON', from: 'alice', to: 'bob', sendtime: Date.now(), callback: true }),
      standin.send({ convType: 'TEAM', from: 'carol', to: '2348319786', sendtime: Date.now(), callback: true }),
    ];
    await until(() => archived().length === 2);
    await first.stop();
    const missed = [
      standin.send({ convType: 'PERSON', from: 'bob', to: 'alice', sendtime: Date.now() }),
      standin.send({ convType: 'TEAM', from: 'dave', to: '2348319786', sendtime: Date.now() }),
      standin.send({ convType: 'PERSON', from: 'alice', to: 'bob', sendtime: Date.now() }),
    ];
    // A pair that first talked during the outage was never seen: its history is not read.
    standin.send({ convType: 'PERSON', from: 'erin', to: 'frank', sendtime: Date.now() });

    const second = await start();

    await until(async () => (await metricValue(second.registry, 'imgw_gaps_open', { kind: 'window' })) === 0 && archived().length === 5);
    for (const m of missed) standin.callbackFor(m);
    await until(async () => (await metricValue(second.registry, 'imgw_callbacks_total', { vendor: 'netease', outcome: 'duplicate' })) === 3);
    await standin.callbacksSettled();
    const events = archived();
    expect(events.map((e) => e.messageid).sort()).toEqual(ids([...seenBefore, ...missed]));
    expect(new Set(events.map((e) => e.id)).size).toBe(5);
    expect(events.filter((e) => e.backfill !== undefined).map((e) => e.messageid).sort()).toEqual(ids(missed));
    expect(new Set(events.filter((e) => e.backfill !== undefined).map((e) => e.backfill))).toEqual(new Set(['netease/querySessionMsg', 'netease/queryTeamMsg']));
    expect(await metricValue(second.registry, 'imgw_backfilled_messages_total', { vendor: 'netease', api: 'netease/history', outcome: 'accepted' })).toBe(3);
    expect(await metricValue(second.registry, 'imgw_gaps_detected_total', { kind: 'window' })).toBe(1);
    expect(standin.requests.filter((r) => r.code !== 200)).toEqual([]);
    expect(standin.requests.some((r) => r.form['from'] === 'erin' || r.form['to'] === 'frank')).toBe(false);
  });
});
