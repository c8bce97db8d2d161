import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import type { FillHeap } from '../../src/heap';
import { startService, type RunningService } from '../../src/service';
import { metricValue } from '../helpers/app';
import { loadFixture } from '../helpers/fixtures';
import { tempDataDir } from '../helpers/service';
import { callbackPath, TEST_TOKEN } from '../helpers/tencent';
import { startTencentHistoryStandin, type HistoryMessage, type TencentHistoryStandin } from '../helpers/tencent-history-standin';
import { recordingHeap } from '../helpers/fill-heap';
import { until } from '../helpers/wait';

const group = loadFixture('group-after-send');
const GROUP = '@TGS#backfill';
const OPERATOR = 'operator-token-fedcba9876543210fedcba9876543210';

describe('Tencent group backfill, end to end', () => {
  let dataDir: string;
  let standin: TencentHistoryStandin;
  const running: RunningService[] = [];
  const start = async (heap?: FillHeap) => {
    const config = loadConfig(
      {
        PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, TENCENT_SDKAPPIDS: '1400000001', TENCENT_CALLBACK_TOKENS: TEST_TOKEN,
        GAP_ALIVE_INTERVAL: '20ms', GAP_SEQUENCE_GRACE: '0s',
        ADMIN_TOKENS: `bob:operator:sha256:${createHash('sha256').update(OPERATOR).digest('hex')}`,
        BACKFILL_TENCENT_URL: standin.url, BACKFILL_TENCENT_ADMIN: standin.identifier, BACKFILL_TENCENT_KEY: standin.key,
      },
      { sinks: [{ type: 'file', name: 'archive', path: join(dataDir, 'out.jsonl') }] },
    );
    const service = await startService(config, pino({ level: 'silent' }), Date.now, heap);
    running.push(service);
    return service;
  };
  /** The vendor's callback for a message it stored (its body as Tencent sends it, with the client MsgId). */
  const callback = (service: RunningService, m: HistoryMessage) =>
    fetch(`http://127.0.0.1:${service.port}${callbackPath(group.query, { requestTime: Math.floor(Date.now() / 1000) })}`, {
      method: 'POST',
      body: JSON.stringify({ ...group.body, GroupId: GROUP, From_Account: m.From_Account, Random: m.MsgRandom, MsgSeq: m.MsgSeq, MsgTime: m.MsgTimeStamp, MsgId: `client-${m.MsgSeq}`, MsgBody: m.MsgBody }),
    }).then(async (res) => (await res.json()) as { ActionStatus: string });
  const archived = (): { id: string; msgseq: string; backfill?: string }[] => {
    const path = join(dataDir, 'out.jsonl');
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; msgseq: string; backfill?: string }) : [];
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

  test('When messages were sent while the gateway was down, then each reaches the file sink exactly once from the history, and their late callbacks are duplicates', async () => {
    const now = () => Math.floor(Date.now() / 1000);
    const first = await start();
    expect((await callback(first, standin.send(GROUP, 'alice', 'before', now()))).ActionStatus).toBe('OK');
    await first.stop();
    const missed = [2, 3, 4, 5, 6].map((n) => standin.send(GROUP, n % 2 ? 'bob' : 'carol', `while down ${n}`, now()));
    standin.remove(GROUP, 4);

    const second = await start();
    const after = standin.send(GROUP, 'alice', 'after', now());
    expect((await callback(second, after)).ActionStatus).toBe('OK');

    await until(() => archived().length === 6);
    const late = await Promise.all(missed.map((m) => callback(second, m)));
    expect(late.map((r) => r.ActionStatus)).toEqual(['OK', 'OK', 'OK', 'OK', 'OK']);
    await until(async () => (await metricValue(second.registry, 'imgw_callbacks_total', { vendor: 'tencent', command: 'Group.CallbackAfterSendMsg', outcome: 'duplicate' })) === 4);
    // Message 4 was deleted at the vendor before the backfill read it (a placeholder); its own late callback still brings it.
    await until(() => archived().length === 7);
    // The counts are taken when the gap's range is read to its end, and the gap is settled after that.
    await until(async () => (await metricValue(second.registry, 'imgw_gaps_open', { kind: 'sequence' })) === 0, { what: 'the sequence gap settled' });
    const events = archived();
    expect(events.map((e) => Number(e.msgseq)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(events.map((e) => e.id)).size).toBe(7);
    expect(events.filter((e) => e.backfill === 'tencent/group_msg_get_simple').map((e) => Number(e.msgseq)).sort()).toEqual([2, 3, 5, 6]);
    expect(await metricValue(second.registry, 'imgw_callbacks_total', { vendor: 'tencent', command: 'Group.CallbackAfterSendMsg', outcome: 'accepted' })).toBe(2);
    expect(await metricValue(second.registry, 'imgw_backfilled_messages_total', { vendor: 'tencent', api: 'tencent/group_msg_get_simple', outcome: 'accepted' })).toBe(4);
    expect(await metricValue(second.registry, 'imgw_backfilled_messages_total', { vendor: 'tencent', api: 'tencent/group_msg_get_simple', outcome: 'placeholder' })).toBe(1);
    // The outage stays open (one-to-one history is not read yet); the sequence gap is filled.
    expect(await metricValue(second.registry, 'imgw_gaps_open', { kind: 'outage' })).toBe(1);
    expect(await metricValue(second.registry, 'imgw_gaps_open', { kind: 'sequence' })).toBe(0);
    expect(standin.overLimit).toBe(0);
  });

  test('When a gap is filled, then every history call is made while the fill heap is raised (inside its `during`)', async () => {
    const { heap, fills, madeInside } = recordingHeap(() => standin.calls);
    const service = await start(heap);
    for (let n = 1; n <= 45; n += 1) standin.send(GROUP, 'dora', `never called back ${n}`, Math.floor(Date.now() / 1000));

    const asked = await fetch(`${service.adminUrl}/gaps`, {
      method: 'POST', headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' },
      body: JSON.stringify({ vendor: 'tencent', app: '1400000001', conversation: GROUP, fromSeq: 1, untilSeq: 45 }),
    });
    expect(asked.status).toBe(200);
    await until(() => archived().length === 45);
    await until(async () => (await metricValue(service.registry, 'imgw_gaps_open', { kind: 'sequence' })) === 0, { what: 'the sequence gap settled' });
    await until(() => fills.every((fill) => fill.to !== undefined), { what: 'the fill ended' });

    // 45 messages in pages of 20: at least 3 calls, each within a fill.
    expect(standin.calls).toBeGreaterThanOrEqual(3);
    expect(madeInside()).toBe(standin.calls);
  });

  test('When an operator asks for a group range by the admin API, then a dry run only counts, and the range is read into the file sink, audited', async () => {
    const service = await start();
    for (let n = 1; n <= 45; n += 1) standin.send(GROUP, 'dora', `never called back ${n}`, Math.floor(Date.now() / 1000));
    const ask = (dryRun: boolean) =>
      fetch(`${service.adminUrl}/gaps`, {
        method: 'POST', headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' },
        body: JSON.stringify({ vendor: 'tencent', app: '1400000001', conversation: GROUP, fromSeq: 3, untilSeq: 42, dryRun }),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }));

    const preview = await ask(true);
    const asked = await ask(false);

    expect(preview).toEqual({ status: 200, body: { dryRun: true, count: 40 } });
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ kind: 'sequence', conversation: GROUP, fromSeq: 3, untilSeq: 42, state: 'open' });
    await until(() => archived().length === 40);
    expect(archived().map((e) => Number(e.msgseq)).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 3));
    const audit = (await (await fetch(`${service.adminUrl}/audit`, { headers: { authorization: `Bearer ${OPERATOR}` } })).json()) as { items: { action: string; actor: string; count: number; dryRun: boolean }[] };
    expect(audit.items.map(({ action, actor, count, dryRun }) => ({ action, actor, count, dryRun }))).toEqual([
      { action: 'gap.record', actor: 'bob', count: 40, dryRun: false },
      { action: 'gap.record', actor: 'bob', count: 40, dryRun: true },
    ]);
  });
});
