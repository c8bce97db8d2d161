import { hoursCovering } from '../../../src/backfill/easemob/fill-hours';
import { callbackBodyOf, historyRecord } from '../../../src/backfill/easemob/history-record';
import { hoursToRecord } from '../../../src/backfill/easemob/hour-plan';
import { easemobIntake } from '../../../src/vendors/easemob/intake';

const H = 3_600_000;
const day = Date.UTC(2026, 11, 5);
const delay = 70 * 60_000;
const retention = 3 * 24 * H;

describe('Easemob hour plan', () => {
  test('When nothing was recorded yet, then the current hour is recorded at once and nothing older', () => {
    expect(hoursToRecord(undefined, day + 5 * H + 17 * 60_000, delay, retention)).toEqual([{ fromAt: day + 5 * H, untilAt: day + 6 * H, expired: false }]);
  });

  test('When an hour ended less than the delay ago, then it is not recorded yet; at hour end + delay it is', () => {
    expect(hoursToRecord(day + 5 * H, day + 6 * H + delay - 1, delay, retention)).toEqual([]);
    expect(hoursToRecord(day + 5 * H, day + 6 * H + delay, delay, retention)).toEqual([{ fromAt: day + 5 * H, untilAt: day + 6 * H, expired: false }]);
  });

  test('When the gateway was down for hours, then every missed hour whose file is due is recorded, in order', () => {
    const planned = hoursToRecord(day + 5 * H, day + 10 * H + 30 * 60_000, delay, retention);
    expect(planned.map((p) => (p.fromAt - day) / H)).toEqual([5, 6, 7, 8]);
  });

  test('When the gateway was down longer than the retention, then the hours beyond it are one expired row and the kept ones follow', () => {
    const now = day + 10 * 24 * H + 30 * 60_000;
    const planned = hoursToRecord(day, now, delay, retention);
    expect(planned[0]).toEqual({ fromAt: day, untilAt: day + 7 * 24 * H, expired: true });
    expect(planned.slice(1).every((p) => !p.expired && p.untilAt - p.fromAt === H)).toBe(true);
    expect(planned.at(-1)?.untilAt).toBe(day + 10 * 24 * H - H);
    // The first kept hour ends exactly the retention before now, rounded up to whole hours.
    expect(planned[1]!.fromAt + H + retention).toBeGreaterThan(now);
  });

  test('When a window is given, then the hours covering it are listed', () => {
    expect(hoursCovering(day + 5 * H + 10, day + 7 * H + 1).map((h) => (h - day) / H)).toEqual([5, 6, 7]);
    expect(hoursCovering(day + 5 * H, day + 6 * H).map((h) => (h - day) / H)).toEqual([5]);
  });
});

describe('Easemob history record as a callback', () => {
  const appKey = 'acme#chatapp';
  const callback = (chatType: 'chat' | 'groupchat', room: boolean) => ({
    callId: `${appKey}_6f1c9b2e-4d3a-4b8e-9c7d-2a1b3c4d5e6f`, eventType: 'chat_offline', timestamp: 1718000000123, chat_type: chatType,
    ...(chatType === 'groupchat' ? { group_id: room ? '185145305923585' : '226843215495169' } : {}),
    from: 'alice', to: chatType === 'chat' ? 'bob' : 'someone', msg_id: '1229384756102938111',
    payload: { ext: { orderId: 'A1001' }, bodies: [{ msg: 'hello bob, 明天见', type: 'txt' }] },
    securityVersion: '1.0.0', security: '1951f7729638c911943763f10a80f66f', appkey: appKey, host: 'msync@ebs-ali-beijing-msync45',
    content_type: `chat:${chatType === 'chat' ? 'user' : room ? 'room' : 'group'}:txt`,
  });
  const record = (chatType: 'chat' | 'groupchat' | 'chatroom', to: string) =>
    historyRecord.parse({ msg_id: '1229384756102938111', timestamp: 1718000000125, direction: 'outgoing', to: 'internal', from: 'internal', chat_type: chatType, payload: { bodies: [{ msg: 'hello bob, 明天见', type: 'txt' }], ext: { orderId: 'A1001' }, from: 'alice', to } });
  const mapped = (body: unknown) => {
    const intake = easemobIntake(Buffer.from(JSON.stringify(body)), 0);
    if (intake.kind !== 'event') throw new Error(`not an event: ${JSON.stringify(intake)}`);
    return intake.event;
  };

  test.each([
    ['one-to-one', 'chat', 'bob', callback('chat', false)],
    ['group', 'groupchat', '226843215495169', callback('groupchat', false)],
    ['chat room', 'chatroom', '185145305923585', callback('groupchat', true)],
  ] as const)('When a %s message is read from the file, then it maps to the callback event id, conversation and neutral message', (_what, chatType, to, sent) => {
    const fromCallback = mapped(sent);
    const fromFile = mapped(callbackBodyOf(record(chatType, to), appKey));
    expect(fromFile.attributes.id).toBe(fromCallback.attributes.id);
    for (const key of ['type', 'source', 'command', 'convtype', 'fromaccount', 'groupid', 'messageid', 'elementkinds', 'contenttype'] as const) {
      expect([key, fromFile.attributes[key]]).toEqual([key, fromCallback.attributes[key]]);
    }
    const neutral = (e: { message?: string }) => ({ ...(JSON.parse(e.message ?? '{}') as Record<string, unknown>), sentAt: undefined });
    expect(neutral(fromFile)).toEqual(neutral(fromCallback));
  });
});
