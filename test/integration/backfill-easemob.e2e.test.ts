import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import type { FillHeap } from '../../src/heap';
import { startService, type RunningService } from '../../src/service';
import { metricValue } from '../helpers/app';
import { startEasemobHistoryStandin, type EasemobHistoryStandin, type StoredMessage } from '../helpers/easemob-history-standin';
import { tempDataDir } from '../helpers/service';
import { recordingHeap } from '../helpers/fill-heap';
import { until } from '../helpers/wait';

const H = 3_600_000;
const SECRET = 'em-cb-secret-7788';
const VIEWER = 'viewer-token-0123456789abcdef0123456789abcdef';
const OPERATOR = 'operator-token-fedcba9876543210fedcba9876543210';
const api = { vendor: 'easemob', api: 'easemob/chatmessages' };

describe('Easemob hourly reconciliation, end to end', () => {
  const hour = Date.UTC(2026, 11, 5, 3);
  const clock = { now: hour + 10 * 60_000 };
  let dataDir: string;
  let standin: EasemobHistoryStandin;
  let logs: { msg: string; note?: string; state?: string }[];
  const running: RunningService[] = [];

  const start = async (env: Record<string, string> = {}, heap?: FillHeap) => {
    const config = loadConfig(
      {
        PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, GAP_ALIVE_INTERVAL: '20ms',
        EASEMOB_CALLBACK_SECRETS: SECRET, EASEMOB_APPKEY: standin.appKey,
        ADMIN_TOKENS: `vic:viewer:sha256:${createHash('sha256').update(VIEWER).digest('hex')},olga:operator:sha256:${createHash('sha256').update(OPERATOR).digest('hex')}`,
        BACKFILL_EASEMOB_URL: standin.url, BACKFILL_EASEMOB_CLIENT_ID: standin.clientId, BACKFILL_EASEMOB_CLIENT_SECRET: standin.clientSecret,
        BACKFILL_EASEMOB_CHECK_INTERVAL: '20ms', ...env,
      },
      { sinks: [{ type: 'file', name: 'archive', path: join(dataDir, 'out.jsonl') }] },
    );
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (logs.push(...chunk.toString().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { msg: string })), done()) });
    const service = await startService(config, pino({ level: 'info' }, sink), () => clock.now, heap);
    running.push(service);
    return service;
  };
  const callback = (service: RunningService, message: StoredMessage) =>
    fetch(`http://127.0.0.1:${service.port}/easemob/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(standin.callbackOf(message, SECRET)) }).then((res) => res.status);
  const archived = (): { id: string; messageid: string; backfill?: string; convtype?: string }[] => {
    const path = join(dataDir, 'out.jsonl');
    return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; messageid: string }) : [];
  };
  const gaps = async (service: RunningService) =>
    ((await (await fetch(`${service.adminUrl}/gaps?kind=hour`, { headers: { authorization: `Bearer ${VIEWER}` } })).json()) as { items: { fromAt: number; state: string; note?: string }[] }).items;

  beforeEach(async () => {
    clock.now = hour + 10 * 60_000;
    dataDir = tempDataDir();
    logs = [];
    standin = await startEasemobHistoryStandin({ clock: () => clock.now });
  });
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop();
    await standin.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('When messages were sent while the gateway was down, then each reaches the file sink exactly once from the hour files, and their late callbacks are duplicates', async () => {
    const first = await start();
    const before = standin.send('chat', 'alice', 'bob', 'before the stop');
    expect(await callback(first, before)).toBe(200);
    await until(() => archived().length === 1);
    await first.stop();
    clock.now += 20 * 60_000;
    const missed = [standin.send('chat', 'bob', 'alice', 'while down 1'), standin.send('groupchat', 'carol', '226843215495169', 'while down 2')];
    clock.now += H; // the next hour
    missed.push(standin.send('chatroom', 'dora', '185145305923585', 'while down 3'));
    clock.now = hour + 2 * H + 70 * 60_000; // both hours' files are due

    const second = await start();
    await until(() => archived().length === 4, { what: 'the three missed messages in the file sink' });
    // The counts are taken when an hour's file is read to its end, and the hour is settled after that.
    await until(async () => (await gaps(second)).every((g) => g.state === 'filled'), { what: 'both hours settled' });
    expect(await Promise.all(missed.map((m) => callback(second, m)))).toEqual([200, 200, 200]);
    await until(async () => (await metricValue(second.registry, 'imgw_callbacks_total', { vendor: 'easemob', command: 'groupchat', outcome: 'duplicate' })) === 2);

    const events = archived();
    expect(events).toHaveLength(4);
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
    expect(events.map((e) => e.messageid).sort()).toEqual([before, ...missed].map((m) => m.msg_id).sort());
    expect(events.filter((e) => e.backfill === 'easemob/chatmessages').map((e) => e.convtype)).toEqual(['c2c', 'group', 'chatroom']);
    expect(await metricValue(second.registry, 'imgw_backfilled_messages_total', { ...api, outcome: 'accepted' })).toBe(3);
    expect(await metricValue(second.registry, 'imgw_backfilled_messages_total', { ...api, outcome: 'duplicate' })).toBe(1);
    expect((await gaps(second)).map((g) => [g.fromAt, g.state])).toEqual([[hour + H, 'filled'], [hour, 'filled']]);
  });

  test('When hour files are read, by the reconciliation or for a dry run, then every download is made while the fill heap is raised (inside its `during`)', async () => {
    const { heap, fills, madeInside } = recordingHeap(() => standin.counts.downloads);
    const service = await start({}, heap);
    standin.send('chat', 'alice', 'bob', 'never called back');
    clock.now = hour + H + 70 * 60_000; // the hour's file is due

    await until(() => archived().length === 1, { what: 'the hour read into the file sink' });
    const dry = await fetch(`${service.adminUrl}/backfill`, {
      method: 'POST', headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' },
      body: JSON.stringify({ vendor: 'easemob', since: new Date(hour).toISOString(), until: new Date(hour + H).toISOString(), dryRun: true }),
    });
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({ dryRun: true, count: 0 });
    await until(() => fills.every((fill) => fill.to !== undefined), { what: 'the fills ended' });

    // One download for the reconciliation, one for the dry run's count.
    expect(standin.counts.downloads).toBe(2);
    expect(madeInside()).toBe(2);
  });

  test('When an hour was filled, then after a restart it is not read again, and the next hours are', async () => {
    const first = await start();
    standin.send('chat', 'alice', 'bob', 'in the first hour');
    clock.now = hour + H + 70 * 60_000;
    await until(() => archived().length === 1);
    await until(async () => (await gaps(first))[0]?.state === 'filled');
    await first.stop();
    const located = standin.counts.chatmessages;
    const downloads = standin.counts.downloads;

    clock.now = hour + 3 * H + 70 * 60_000;
    const second = await start();
    await until(async () => (await gaps(second)).filter((g) => g.state === 'filled').length === 3);
    expect(standin.counts.chatmessages - located).toBe(2);
    expect(standin.counts.downloads).toBe(downloads);
    expect((await gaps(second))[0]?.note).toMatch(/no history file/);
    expect(archived()).toHaveLength(1);
  });

  test('When an hour file is stored later than the delay, then the hour stays open and is read once the file is there', async () => {
    await standin.close();
    standin = await startEasemobHistoryStandin({ clock: () => clock.now, delayMs: 5 * H });
    const service = await start();
    const late = standin.send('groupchat', 'frank', '226843215495169', 'written late');
    clock.now = hour + H + 70 * 60_000;
    await until(() => logs.some((l) => l.msg === 'an Easemob history hour was read' && l.state === 'open'));
    expect((await gaps(service))[0]).toMatchObject({ state: 'open', note: expect.stringMatching(/not stored yet/) as unknown });
    expect(archived()).toHaveLength(0);
    expect(await metricValue(service.registry, 'imgw_gaps_open', { kind: 'hour' })).toBe(1);
    expect(await metricValue(service.registry, 'imgw_gap_oldest_open_seconds', { kind: 'hour' })).toBe((H + 70 * 60_000) / 1000);

    clock.now = hour + 6 * H;
    await until(() => archived().length === 1, { what: 'the late file read', step: () => (clock.now += 60_000) });
    expect(archived()[0]).toMatchObject({ messageid: late.msg_id, backfill: 'easemob/chatmessages' });
    await until(async () => (await gaps(service)).find((g) => g.fromAt === hour)?.state === 'filled');
    expect(await metricValue(service.registry, 'imgw_gaps_detected_total', { kind: 'hour' })).toBeGreaterThanOrEqual(4);
  });

  test('When the API refuses for its rate limit, then the hours left stay open and are read after a pause', async () => {
    await standin.close();
    standin = await startEasemobHistoryStandin({ clock: () => clock.now, perMinute: 1 });
    await (await start()).stop();
    const missed = [standin.send('chat', 'gina', 'bob', 'first hour')];
    clock.now += 2 * H;
    missed.push(standin.send('chat', 'gina', 'bob', 'third hour'));
    clock.now = hour + 3 * H + 70 * 60_000;

    // A rate of 1 a minute leaves a burst of 9 calls, so the retries need not wait on the gateway's own quota.
    const service = await start({ BACKFILL_EASEMOB_RATE: '1' });
    await until(() => logs.some((l) => l.msg === 'reading an Easemob history hour failed; it stays open and is tried again'));
    expect(standin.counts.overLimit).toBe(1);
    expect(await metricValue(service.registry, 'imgw_backfill_api_errors_total', api)).toBe(1);
    await until(() => archived().length === 2, { what: 'both missed messages', step: () => (clock.now += 60_000) });
    expect(archived().map((e) => e.messageid).sort()).toEqual(missed.map((m) => m.msg_id).sort());
    const firstThree = async () => (await gaps(service)).filter((g) => g.fromAt <= hour + 2 * H).map((g) => g.state);
    await until(async () => (await firstThree()).join() === 'filled,filled,filled', { step: () => (clock.now += 60_000) });
  });

  test('When the gateway stops while a call waits for its quota, then the stop does not wait, and the hours left are read at the next start', async () => {
    await (await start()).stop();
    clock.now = hour + 10 * H + 70 * 60_000; // ten hours due
    // A rate of 1 a minute: a burst of 9 calls, then one a minute (real time).
    const service = await start({ BACKFILL_EASEMOB_RATE: '1' });
    await until(() => standin.counts.chatmessages === 9);
    let stopped = false;
    void service.stop().then(() => (stopped = true));
    await until(() => stopped, { what: 'the stop, while a call waits for the quota' });
    standin.send('chat', 'hank', 'bob', 'in the last hour');
    clock.now += 2 * H;

    const next = await start();
    await until(() => archived().length === 1);
    await until(async () => (await gaps(next)).every((g) => g.state === 'filled'));
    expect(await gaps(next)).toHaveLength(12);
  });

  test.each([
    ['oversized', { BACKFILL_EASEMOB_MAX_FILE: '2048' }, undefined, /larger than 2048 bytes unpacked/],
    ['malformed', {}, Buffer.from('this is not gzip'), /not gzip/],
  ])('When an hour file is %s, then it is refused with a clear log line, the hour is unfillable and callbacks still work', async (_what, env, bytes, reason) => {
    const service = await start(env);
    for (let i = 0; i < 5; i += 1) standin.send('chat', 'alice', 'bob', `message ${i} ${'x'.repeat(600)}`);
    standin.replaceFiles(bytes);
    clock.now = hour + H + 70 * 60_000;
    await until(() => logs.some((l) => l.msg === 'an Easemob history hour cannot be read: recorded as unfillable'));
    const line = logs.find((l) => l.msg === 'an Easemob history hour cannot be read: recorded as unfillable');
    expect(line).toMatchObject({ state: 'unfillable' });
    expect(line?.note).toMatch(reason);
    expect((await gaps(service))[0]).toMatchObject({ state: 'unfillable', note: expect.stringMatching(reason) as unknown });
    const live = standin.send('chat', 'erin', 'bob', 'live');
    expect(await callback(service, live)).toBe(200);
    await until(() => archived().some((e) => e.messageid === live.msg_id));
  });
});
