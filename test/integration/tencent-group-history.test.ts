import { fillTencentSequenceGap, type BackfillPageIntake } from '../../src/backfill/fill-sequence-gaps';
import { createQuota } from '../../src/backfill/quota';
import { callsInFlight, createTencentGroupHistory, TencentApiError } from '../../src/backfill/tencent/group-history';
import type { Gap } from '../../src/pipeline/spool/gaps';
import { until } from '../helpers/wait';
import { startTencentHistoryStandin, type TencentHistoryStandin } from '../helpers/tencent-history-standin';

describe('Tencent group history client against the stand-in', () => {
  let standin: TencentHistoryStandin;
  const history = (key?: string) => createTencentGroupHistory({ url: standin.url, sdkAppId: standin.sdkAppId, identifier: standin.identifier, key: key ?? standin.key }, { quota: createQuota({ perSecond: 200 }), clock: Date.now });
  const gap = (conversation: string, fromSeq: number, untilSeq: number): Gap => ({ gid: 1, kind: 'sequence', vendor: 'tencent', app: '1400000001', conversation, fromAt: 0, untilAt: 0, fromSeq, untilSeq, detectedAt: 0, state: 'open' });

  beforeEach(async () => {
    standin = await startTencentHistoryStandin();
  });
  afterEach(() => standin.close());

  test('When a range spans several pages, then it is read paging down by ReqMsgSeq, 20 a call, and only the range is given', async () => {
    for (let i = 1; i <= 60; i += 1) standin.send('g', 'alice', `m${i}`, 1000 + i);

    const seqs: number[] = [];
    for await (const m of history().range('g', 5, 50)) seqs.push(m.MsgSeq);

    expect(seqs).toEqual(Array.from({ length: 46 }, (_, i) => 50 - i));
    expect(standin.calls).toBe(3);
  });

  test('When the key is wrong, then the API refusal is thrown with its code', async () => {
    standin.send('g', 'alice', 'm', 1000);

    const read = async () => {
      for await (const m of history('wrong-key').range('g', 1, 1)) void m;
    };

    await expect(read()).rejects.toMatchObject({ code: 70001 });
    await expect(read()).rejects.toBeInstanceOf(TencentApiError);
  });

  test('When the group is unknown or an audio-video chat room, then its gap is unfillable with the reason', async () => {
    standin.group('live', 'AVChatRoom');
    const intake: BackfillPageIntake = async (_vendor, _api, _query, bodies) => bodies.map(() => 'accepted' as const);

    const unknown = await fillTencentSequenceGap(gap('nope', 1, 3), { history: history(), intake, sdkAppId: standin.sdkAppId });
    const live = await fillTencentSequenceGap(gap('live', 1, 3), { history: history(), intake, sdkAppId: standin.sdkAppId });

    expect(unknown).toMatchObject({ state: 'unfillable', note: expect.stringContaining('10010') });
    expect(live).toMatchObject({ state: 'unfillable', note: expect.stringContaining('10007') });
  });

  test('When a hole is billions of numbers wide (MsgSeq jumped), then only its newest million are read and the note names the rest', async () => {
    const asked: [number, number][] = [];
    // The client's own interface, recording the range it is asked for (50,000 real calls would take minutes).
    const recording = { async *pages(_group: string, fromSeq: number, untilSeq: number) { asked.push([fromSeq, untilSeq]); yield* []; } } as unknown as ReturnType<typeof history>;

    const result = await fillTencentSequenceGap(gap('g', 1, 4_000_000_000), { history: recording, intake: async () => [], sdkAppId: standin.sdkAppId });

    expect(asked).toEqual([[4_000_000_000 - 1_000_000 + 1, 4_000_000_000]]);
    expect(result.state).toBe('filled');
    expect(result.note).toContain('3999000000 older numbers not read (a gap is read at most 1000000 numbers back)');
  });

  test('When a gap is filled, then each stored message goes to the intake as a group callback body, placeholders are counted, and the note says what happened', async () => {
    for (let i = 1; i <= 5; i += 1) standin.send('g', 'alice', `m${i}`, 1000 + i);
    standin.remove('g', 3);
    const bodies: Record<string, unknown>[] = [];
    const intake: BackfillPageIntake = async (vendor, api, query, page) => {
      expect([vendor, api, query.get('CallbackCommand'), query.get('SdkAppid')]).toEqual(['tencent', 'tencent/group_msg_get_simple', 'Group.CallbackAfterSendMsg', '1400000001']);
      bodies.push(...page);
      return page.map((body) => (body['MsgSeq'] === 2 ? 'duplicate' : 'accepted'));
    };

    const result = await fillTencentSequenceGap(gap('g', 2, 4), { history: history(), intake, sdkAppId: standin.sdkAppId });

    expect(bodies.map((b) => [b['MsgSeq'], b['GroupId'], b['From_Account'], b['MsgTime']])).toEqual([[4, 'g', 'alice', 1004], [2, 'g', 'alice', 1002]]);
    expect(result).toEqual({ state: 'filled', note: '1 fetched, 1 already stored, 1 deleted or expired', counts: { accepted: 1, duplicate: 1, invalid: 0, ignored: 0, placeholder: 1 } });
  });
  test('When a gap spans several pages, then the messages of each page are handed to the intake together (one spool write a page)', async () => {
    for (let i = 1; i <= 45; i += 1) standin.send('g', 'alice', `m${i}`, 1000 + i);
    const pages: number[][] = [];
    const intake: BackfillPageIntake = async (_vendor, _api, _query, bodies) => {
      pages.push(bodies.map((body) => body['MsgSeq'] as number));
      return bodies.map(() => 'accepted' as const);
    };

    const result = await fillTencentSequenceGap(gap('g', 1, 45), { history: history(), intake, sdkAppId: standin.sdkAppId });

    expect(result.counts.accepted).toBe(45);
    expect(pages.map((page) => [page[0], page.length])).toEqual([[45, 20], [25, 20], [5, 5]]);
  });

  test('When the intake of a page is slow, then the next page is already asked for meanwhile (fetching overlaps storing)', async () => {
    for (let i = 1; i <= 45; i += 1) standin.send('g', 'alice', `m${i}`, 1000 + i);
    const callsWhenHandedOver: number[] = [];
    const intake: BackfillPageIntake = async (_vendor, _api, _query, bodies) => {
      callsWhenHandedOver.push(standin.calls);
      // The page is stored once the stand-in has answered the next call (or there is none).
      await until(() => standin.calls > callsWhenHandedOver.length || callsWhenHandedOver.length === 3);
      return bodies.map(() => 'accepted' as const);
    };

    const result = await fillTencentSequenceGap(gap('g', 1, 45), { history: history(), intake, sdkAppId: standin.sdkAppId });

    // Had the next call waited for the page to be stored, the intake would never have returned.
    expect(result.counts.accepted).toBe(45);
    expect(callsWhenHandedOver).toHaveLength(3);
  });

  test('When a page is slow to be stored, then the calls of the next pages do not wait for it or for each other (up to 16 in flight), and the pages still come in order, each read once', async () => {
    for (let i = 1; i <= 400; i += 1) standin.send('g', 'alice', `m${i}`, 1000 + i);
    const tops: number[] = [];
    let callsWhileFirstStored = 0;
    const intake: BackfillPageIntake = async (_vendor, _api, _query, bodies) => {
      if (tops.length === 0) {
        await until(() => standin.calls >= 1 + callsInFlight, { what: 'calls made while the first page is stored' });
        callsWhileFirstStored = standin.calls;
      }
      tops.push(bodies[0]?.['MsgSeq'] as number);
      return bodies.map(() => 'accepted' as const);
    };

    const result = await fillTencentSequenceGap(gap('g', 1, 400), { history: history(), intake, sdkAppId: standin.sdkAppId });

    expect(callsWhileFirstStored).toBe(1 + callsInFlight);
    expect(tops).toEqual(Array.from({ length: 20 }, (_, i) => 400 - 20 * i));
    expect(result.counts.accepted).toBe(400);
    expect(standin.calls).toBe(20);
  });

  test('When a call is refused for the frequency limit, then it is made again a second later and the gap is filled, not failed', async () => {
    const time = { now: Date.now() };
    const strict = await startTencentHistoryStandin({ perSecond: 2, clock: () => time.now });
    try {
      for (let i = 1; i <= 60; i += 1) strict.send('g', 'alice', `m${i}`, 1000 + i);
      const waits: number[] = [];
      const sleep = async (ms: number) => void (waits.push(ms), (time.now += ms));
      const strictHistory = createTencentGroupHistory({ url: strict.url, sdkAppId: strict.sdkAppId, identifier: strict.identifier, key: strict.key }, { quota: createQuota({ perSecond: 1000 }), clock: () => time.now, sleep });
      const intake: BackfillPageIntake = async (_vendor, _api, _query, bodies) => bodies.map(() => 'accepted' as const);

      const result = await fillTencentSequenceGap(gap('g', 1, 60), { history: strictHistory, intake, sdkAppId: strict.sdkAppId });

      expect(result).toMatchObject({ state: 'filled', counts: { accepted: 60 } });
      expect(strict.overLimit).toBe(1);
      expect(strict.calls).toBe(3);
      expect(waits).toEqual([1000]);
    } finally {
      await strict.close();
    }
  });
});
