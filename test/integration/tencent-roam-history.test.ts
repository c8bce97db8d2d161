import type { BackfillPageIntake } from '../../src/backfill/fill-sequence-gaps';
import { performance } from 'node:perf_hooks';
import { createQuota } from '../../src/backfill/quota';
import { createTencentRest } from '../../src/backfill/tencent/rest';
import { createTencentRoamHistory } from '../../src/backfill/tencent/roam-history';
import { tencentC2CWindowFiller } from '../../src/backfill/tencent/c2c-window-filler';
import type { BackfillWindow, SeenConversation } from '../../src/backfill/window-filler';
import { startTencentHistoryStandin, type TencentHistoryStandin } from '../helpers/tencent-history-standin';
import { until } from '../helpers/wait';

describe('Tencent one-to-one window filler against the stand-in (admin_getroammsg)', () => {
  let standin: TencentHistoryStandin;
  const now = Math.floor(Date.now() / 1000);
  const filler = (key?: string) => tencentC2CWindowFiller({ url: standin.url, identifier: standin.identifier, key: key ?? standin.key }, { quotaOf: () => createQuota({ perSecond: 200 }) });
  const pair = (a: string, b: string): SeenConversation => ({ vendor: 'tencent', app: String(standin.sdkAppId), kind: 'user', a, b, lastAt: 0 });
  const window = (fromAt: number, untilAt: number, conversations: SeenConversation[]): BackfillWindow => ({ gid: 1, vendor: 'tencent', fromAt, untilAt, conversations: [conversations] });
  const collect = () => {
    const bodies: Record<string, unknown>[] = [];
    const intake: BackfillPageIntake = async (vendor, api, query, page) => {
      expect([vendor, api, query.get('CallbackCommand'), query.get('SdkAppid')]).toEqual(['tencent', 'tencent/admin_getroammsg', 'C2C.CallbackAfterSendMsg', String(standin.sdkAppId)]);
      bodies.push(...page);
      return page.map(() => 'accepted' as const);
    };
    return { bodies, intake };
  };
  const deps = (intake: BackfillPageIntake) => ({ intake, signal: new AbortController().signal, clock: Date.now });

  beforeEach(async () => {
    standin = await startTencentHistoryStandin();
  });
  afterEach(() => standin.close());

  test('When a window holds more than a page (100 messages, 13 KB), then it is read back by LastMsgTime and LastMsgKey, every message once and only those in the window', async () => {
    const long = 'x'.repeat(300);
    const sent = Array.from({ length: 260 }, (_, i) => standin.sendC2C(i % 2 ? 'alice' : 'bob', i % 2 ? 'bob' : 'alice', `${i} ${long}`, now - 1000 + Math.floor(i / 3)));
    const { bodies, intake } = collect();

    const result = await filler()(window((now - 990) * 1000, (now - 960) * 1000, [pair('alice', 'bob')]), deps(intake));

    const expected = sent.filter((m) => m.MsgTimeStamp >= now - 990 && m.MsgTimeStamp <= now - 960).map((m) => m.MsgKey);
    expect(bodies.map((b) => b['MsgKey']).sort()).toEqual([...expected].sort());
    expect(new Set(bodies.map((b) => b['MsgKey'])).size).toBe(expected.length);
    expect(result).toMatchObject({ state: 'filled', counts: { accepted: expected.length, placeholder: 0 } });
    expect(standin.roamCalls).toBeGreaterThan(2);
  });

  test('When a window has several pairs, then they are read side by side: one pair waiting for its page to be stored does not hold up the next', async () => {
    standin.sendC2C('alice', 'bob', 'first pair', now - 10);
    standin.sendC2C('carol', 'dave', 'second pair', now - 10);
    const from: string[] = [];
    const intake: BackfillPageIntake = async (_vendor, _api, _query, page) => {
      from.push(...page.map((b) => String(b['From_Account'])));
      // The first pair's page is stored only once the other's has come; read one pair after the other, it never comes.
      await until(() => from.length === 2, { timeoutMs: 5000, what: "the other pair's page while the first waits" });
      return page.map(() => 'accepted' as const);
    };

    const result = await filler()(window((now - 60) * 1000, now * 1000, [pair('alice', 'bob'), pair('carol', 'dave')]), deps(intake));

    expect([...from].sort()).toEqual(['alice', 'carol']);
    expect(result).toMatchObject({ state: 'filled', counts: { accepted: 2 } });
  });

  test('When one pair cannot be stored, then the fill fails and the pair read beside it stops at its next call instead of reading its history to the end', async () => {
    standin.sendC2C('alice', 'bob', 'cannot be stored', now - 10);
    for (let i = 0; i < 600; i += 1) standin.sendC2C('carol', 'dave', `m${i} ${'x'.repeat(200)}`, now - 100 + Math.floor(i / 10));
    let failed = false;
    const carolPages: number[] = [];
    const intake: BackfillPageIntake = async (_vendor, _api, _query, page) => {
      if (page[0]?.['From_Account'] === 'alice' || page[0]?.['To_Account'] === 'alice') {
        // Only once carol's first page has come: both pairs are being read.
        await until(() => carolPages.length > 0, { timeoutMs: 5000, what: "carol's first page" });
        failed = true;
        throw new Error('disk I/O error');
      }
      carolPages.push(page.length);
      // Carol's pages are stored only once alice's has failed, so her read cannot run ahead of it.
      await until(() => failed, { timeoutMs: 5000, what: "alice's page failed" });
      return page.map(() => 'accepted' as const);
    };

    const fill = filler()(window((now - 200) * 1000, now * 1000, [pair('alice', 'bob'), pair('carol', 'dave')]), deps(intake));

    await expect(fill).rejects.toThrow('disk I/O error');
    const stored = carolPages.reduce((a, b) => a + b, 0);
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(600);
  });

  test('When calls are answered, then the round trip of each (the request to its answer) and the time until the next call are given to the timing the fill counts on', async () => {
    for (let i = 0; i < 150; i += 1) standin.sendC2C('alice', 'bob', `m${i}`, now - 100 + Math.floor(i / 3));
    const [trips, handled]: [number[], number[]] = [[], []];
    const timing = { record: (ms: number) => void trips.push(ms), handled: (ms: number) => void handled.push(ms) };
    const history = createTencentRoamHistory(createTencentRest({ url: standin.url, identifier: standin.identifier, key: standin.key, sdkAppId: standin.sdkAppId }, { quota: createQuota({ perSecond: 1000 }), clock: Date.now, roundTrips: timing }), timing);

    const started = performance.now();
    let read = 0;
    for await (const message of history.read('alice', 'bob', now - 200, now)) read += message.MsgKey === '' ? 0 : 1;
    const took = performance.now() - started;

    expect(read).toBe(150);
    expect(trips).toHaveLength(standin.roamCalls);
    expect(trips.length).toBeGreaterThan(1);
    expect(trips.every((ms) => ms > 0 && ms <= took)).toBe(true);
    // Between one answer and the next call: one fewer than the calls.
    expect(handled).toHaveLength(trips.length - 1);
    expect(handled.every((ms) => ms >= 0 && ms <= took)).toBe(true);
  });

  test('When a message was recalled and a seen pair no longer exists, then the recalled one is counted as a placeholder, the pair is named in the note and the rest is read', async () => {
    const [kept, recalled] = [standin.sendC2C('alice', 'bob', 'kept', now - 10), standin.sendC2C('bob', 'alice', 'recalled', now - 9)];
    standin.recall(recalled);
    const { bodies, intake } = collect();

    const result = await filler()(window((now - 60) * 1000, now * 1000, [pair('alice', 'bob'), pair('ghost', 'nobody')]), deps(intake));

    expect(bodies).toEqual([
      { CallbackCommand: 'C2C.CallbackAfterSendMsg', From_Account: 'alice', To_Account: 'bob', MsgSeq: kept.MsgSeq, MsgRandom: kept.MsgRandom, MsgTime: kept.MsgTimeStamp, MsgKey: kept.MsgKey, SendMsgResult: 0, MsgBody: kept.MsgBody, CloudCustomData: '' },
    ]);
    expect(result.state).toBe('filled');
    expect(result.counts).toMatchObject({ accepted: 1, placeholder: 1 });
    expect(result.note).toContain('ghost/nobody');
    expect(result.note).toContain('70107');
  });

  test('When a window reaches back beyond the 7-day roaming retention, then what is still kept is read and the note says older messages may be gone', async () => {
    const old = standin.sendC2C('alice', 'bob', 'eight days ago', now - 8 * 86_400);
    const kept = standin.sendC2C('alice', 'bob', 'six days ago', now - 6 * 86_400);
    const { bodies, intake } = collect();

    const result = await filler()(window((now - 9 * 86_400) * 1000, now * 1000, [pair('alice', 'bob')]), deps(intake));

    expect(bodies.map((b) => b['MsgKey'])).toEqual([kept.MsgKey]);
    expect(bodies.map((b) => b['MsgKey'])).not.toContain(old.MsgKey);
    expect(result.note).toContain('7-day roaming retention');
  });

  test('When the key is wrong, then the refusal is thrown (the window stays open)', async () => {
    standin.sendC2C('alice', 'bob', 'm', now);

    await expect(filler('wrong-key')(window((now - 60) * 1000, now * 1000, [pair('alice', 'bob')]), deps(collect().intake))).rejects.toMatchObject({ code: 70001 });
  });
});
