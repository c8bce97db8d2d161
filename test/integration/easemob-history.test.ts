import { gzipSync } from 'node:zlib';
import { easemobWindowFiller } from '../../src/backfill/easemob/fill-hours';
import type { BackfillPageIntake } from '../../src/backfill/fill-sequence-gaps';
import { easemobIntake } from '../../src/vendors/easemob/intake';
import { createEasemobHistory, EasemobHistoryError, hourName, type EasemobHistory } from '../../src/backfill/easemob/history-file';
import { createQuota } from '../../src/backfill/quota';
import { createAppTokens } from '../../src/protocols/easemob-app-token';
import { startEasemobHistoryStandin, type EasemobHistoryStandin } from '../helpers/easemob-history-standin';

const hour = Date.UTC(2026, 11, 5, 3); // 11:00 Beijing time
const H = 3_600_000;
const signal = new AbortController().signal;

describe('Easemob history-file client against the stand-in', () => {
  const clock = { now: hour + 10 * 60_000 };
  let standin: EasemobHistoryStandin;
  let history: EasemobHistory;
  const make = (maxFileBytes = 1024 * 1024, perMinute = 10) => {
    const tokens = createAppTokens({ url: `${standin.url}/${standin.org}/${standin.app}/token`, clientId: standin.clientId, clientSecret: standin.clientSecret, timeoutMs: 5000, clock: () => clock.now });
    // The quota's own time is the test clock too: waiting for it moves the clock.
    const quota = createQuota({ perSecond: perMinute / 60, clock: () => clock.now, sleep: async (ms) => void (clock.now += ms) });
    return createEasemobHistory({ url: standin.url, org: standin.org, app: standin.app, timeZone: 'Asia/Shanghai', maxFileBytes, maxLineBytes: 4096 }, { tokens, quota });
  };
  const read = async (h: EasemobHistory) => {
    const file = await h.locate(hour, signal);
    if (file.kind !== 'url') throw new Error(`no file: ${file.kind}`);
    const records = [];
    for await (const record of h.messages(file.url, signal)) records.push(record);
    return records;
  };

  beforeEach(async () => {
    clock.now = hour + 10 * 60_000;
    standin = await startEasemobHistoryStandin({ clock: () => clock.now });
    history = make();
  });
  afterEach(() => standin.close());

  test('When the hour is named, then it is in Beijing time on Chinese clusters and UTC on the others', () => {
    expect(hourName(hour, 'Asia/Shanghai')).toBe('2026120511');
    expect(hourName(hour, 'UTC')).toBe('2026120503');
  });

  test('When the file is not due yet, then the answer is "not stored"; once due, every message of the hour is read in order', async () => {
    const sent = [standin.send('chat', 'alice', 'bob', 'one'), standin.send('groupchat', 'bob', 'g1', 'two'), standin.send('chatroom', 'carol', 'r1', '三')];
    clock.now = hour + 3_600_000 + 69 * 60_000;
    expect(await history.locate(hour, signal)).toMatchObject({ kind: 'not-stored' });
    clock.now += 60_000;
    const records = await read(history);
    expect(records.map((r) => r.msg_id)).toEqual(sent.map((m) => m.msg_id));
    expect(records[2]).toMatchObject({ chat_type: 'chatroom', payload: { from: 'carol', to: 'r1', bodies: [{ type: 'txt', msg: '三' }] } });
  });

  test('When an hour had no message, then the answer is "none" (404 storage_object_not_found)', async () => {
    clock.now = hour + 3 * 3_600_000;
    expect(await history.locate(hour, signal)).toMatchObject({ kind: 'none' });
  });

  test('When the file unpacks beyond the limit, then reading stops with "too-large"', async () => {
    standin.send('chat', 'alice', 'bob', 'x'.repeat(3000));
    standin.send('chat', 'alice', 'bob', 'y'.repeat(3000));
    clock.now = hour + 3 * 3_600_000;
    await expect(read(make(4000))).rejects.toMatchObject({ failure: 'too-large' });
  });

  test.each([
    ['not gzip', 'malformed', Buffer.from('{"msg_id":"1"}\n')],
    ['a line that is not JSON', 'malformed', gzipSync('{"msg_id":"1",\n')],
    ['a record without msg_id', 'malformed', gzipSync('{"timestamp":1,"chat_type":"chat","payload":{"bodies":[]}}\n')],
    ['a line longer than the limit', 'malformed', gzipSync('x'.repeat(10_000))],
    ['a file cut short', 'truncated', gzipSync(`${JSON.stringify({ msg_id: '1', timestamp: 1, chat_type: 'chat', payload: { bodies: [] } })}\n`.repeat(50)).subarray(0, 40)],
  ])('When the file is %s, then reading stops with "%s"', async (_what, failure, bytes) => {
    standin.send('chat', 'alice', 'bob', 'hi');
    standin.replaceFiles(bytes);
    clock.now = hour + 3 * 3_600_000;
    const error = await read(history).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EasemobHistoryError);
    expect(error).toMatchObject({ failure });
  });

  test('When the token ends early, then the client fetches a new one once and the call succeeds', async () => {
    clock.now = hour + 3 * 3_600_000;
    await history.locate(hour, signal);
    standin.expireTokens();
    expect(await history.locate(hour, signal)).toMatchObject({ kind: 'none' });
    expect(standin.counts.tokens).toBe(2);
  });

  test('When calls exceed the stand-in limit, then the client gets "rate" (429 reach_limit)', async () => {
    const greedy = make(1024 * 1024, 1000);
    clock.now = hour + 3 * 3_600_000 + 1000;
    const answers = await Promise.allSettled(Array.from({ length: 11 }, () => greedy.locate(hour, new AbortController().signal)));
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(10);
    expect(answers.find((a) => a.status === 'rejected')).toMatchObject({ reason: { failure: 'rate' } });
    expect(standin.counts.overLimit).toBe(1);
  });

  test('When the quota is the documented 10 a minute, then a burst of locates stays within the stand-in limit', async () => {
    clock.now = hour + 3 * 3_600_000;
    for (let i = 0; i < 25; i += 1) await history.locate(hour, signal);
    expect(standin.counts.chatmessages).toBe(25);
    expect(standin.counts.overLimit).toBe(0);
  });

  test('When an outage window is filled, then the hours covering it are read and only the messages sent in the window reach the intake, as their callbacks', async () => {
    const at = (minutes: number, text: string) => ((clock.now = hour + minutes * 60_000), standin.send('chat', 'alice', 'bob', text));
    at(5, 'before the outage');
    const inside = [at(40, 'down 1'), at(75, 'down 2')];
    at(100, 'after the outage');
    clock.now = hour + 2 * H + 70 * 60_000;
    const taken: string[] = [];
    const intake: BackfillPageIntake = async (vendor, api, _query, bodies) =>
      bodies.map((body) => {
        const made = easemobIntake(Buffer.from(JSON.stringify(body)), clock.now);
        taken.push(`${vendor} ${api} ${made.kind === 'event' ? made.event.attributes.messageid : made.kind}`);
        return 'accepted' as const;
      });
    const fill = easemobWindowFiller({ history, appKey: standin.appKey, delayMs: 70 * 60_000, retentionMs: 3 * 24 * H });
    const window = { gid: 1, vendor: 'easemob', fromAt: hour + 30 * 60_000, untilAt: hour + 90 * 60_000, conversations: [] };

    const result = await fill(window, { intake, signal, clock: () => clock.now });

    expect(result).toMatchObject({ state: 'filled', counts: { accepted: 2 } });
    expect(taken).toEqual(inside.map((m) => `easemob easemob/chatmessages ${m.msg_id}`));
    expect(standin.counts.downloads).toBe(2);
  });

  test("When a window's last hour is not due yet, then the window stays open and says when", async () => {
    standin.send('chat', 'alice', 'bob', 'hi');
    clock.now = hour + H + 80 * 60_000;
    const fill = easemobWindowFiller({ history, appKey: standin.appKey, delayMs: 70 * 60_000, retentionMs: 3 * 24 * H });
    const result = await fill({ gid: 1, vendor: 'easemob', fromAt: hour, untilAt: hour + H + 1, conversations: [] }, { intake: async (_vendor, _api, _query, bodies) => bodies.map(() => 'accepted' as const), signal, clock: () => clock.now });
    expect(result.state).toBe('open');
    expect(result.note).toMatch(/1 fetched.*not due before 2026-12-05T06:10:00.000Z/);
  });
});
