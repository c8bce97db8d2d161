import { c2cCallbackBody, c2cCallbackQuery } from '../../../src/backfill/tencent/c2c-message';
import type { RoamMessage } from '../../../src/backfill/tencent/roam-history';
import { createTencentVendor } from '../../../src/vendors/tencent';
import { loadFixture } from '../../helpers/fixtures';
import { callbackPath, TEST_NOW_MS, TEST_TOKEN } from '../../helpers/tencent';

describe('Tencent one-to-one message read back from the roaming history', () => {
  const vendor = createTencentVendor({ sdkAppIds: ['1400000001'], callbackTokens: [TEST_TOKEN], signWindowSeconds: 60 });
  const eventOf = (query: URLSearchParams, body: Record<string, unknown>) => {
    const intake = vendor.toEvent({ query, headers: {} }, Buffer.from(JSON.stringify(body)), TEST_NOW_MS);
    if (intake.kind !== 'event') throw new Error(intake.kind);
    return intake.event;
  };

  test('When the history copy of a message is mapped, then it has the callback event id, command, accounts, MsgKey, and neutral message, its time to the second', () => {
    const callback = loadFixture('c2c-after-send-text');
    const b = callback.body as { From_Account: string; To_Account: string; MsgSeq: number; MsgRandom: number; MsgTime: number; MsgKey: string; MsgBody: unknown[]; CloudCustomData: string };
    const stored: RoamMessage = { From_Account: b.From_Account, To_Account: b.To_Account, MsgSeq: b.MsgSeq, MsgRandom: b.MsgRandom, MsgTimeStamp: b.MsgTime, MsgFlagBits: 0, MsgKey: b.MsgKey, MsgBody: b.MsgBody, CloudCustomData: b.CloudCustomData };

    const live = eventOf(new URLSearchParams(callbackPath(callback.query).split('?')[1]), callback.body);
    const fetched = eventOf(c2cCallbackQuery('1400000001'), c2cCallbackBody(stored));

    expect(fetched.attributes.id).toBe(live.attributes.id);
    // The history has no EventTime (ms): the time is the message's MsgTime, to the second.
    expect(fetched.attributes.time).toBe(new Date(b.MsgTime * 1000).toISOString());
    for (const name of ['type', 'source', 'command', 'fromaccount', 'toaccount', 'convtype', 'messageid', 'msgkey', 'msgseq', 'msgtime', 'sendfailed']) {
      expect([name, fetched.attributes[name]]).toEqual([name, live.attributes[name]]);
    }
    const { clientMessageId: _client, ...liveMessage } = JSON.parse(live.message ?? '{}') as Record<string, unknown>;
    expect(JSON.parse(fetched.message ?? '{}')).toEqual(liveMessage);
  });
});
