import type { BackfillPageIntake } from '../../src/backfill/fill-sequence-gaps';
import { createQuota } from '../../src/backfill/quota';
import { tencentC2CWindowFiller } from '../../src/backfill/tencent/c2c-window-filler';
import type { BackfillWindow, SeenConversation } from '../../src/backfill/window-filler';
import { startTencentHistoryStandin, type TencentHistoryStandin } from '../helpers/tencent-history-standin';

describe('Tencent one-to-one window filler against the stand-in (admin_getroammsg)', () => {
  let standin: TencentHistoryStandin;
  const now = Math.floor(Date.now() / 1000);
  const filler = (key?: string) => tencentC2CWindowFiller({ url: standin.url, identifier: standin.identifier, key: key ?? standin.key }, { quotaOf: () => createQuota({ perSecond: 200 }) });
  const pair = (a: string, b: string): SeenConversation => ({ vendor: 'tencent', app: String(standin.sdkAppId), kind: 'user', a, b, lastAt: 0 });
  const window = (fromAt: number, untilAt: number, conversations: SeenConversation[]): BackfillWindow => ({ gid: 1, vendor: 'tencent', fromAt, untilAt, conversations });
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
