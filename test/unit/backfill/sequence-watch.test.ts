import { createSequenceWatch } from '../../../src/backfill/sequence-watch';
import type { Event } from '../../../src/events/event';

const groupMessage = (seq: number, extra: Record<string, string> = {}): Event => ({
  attributes: {
    specversion: '1.0', id: `g1-${seq}`, source: 'tencent-im/1400000001', type: 'com.tencent.im.Group.CallbackAfterSendMsg', time: '2026-01-01T00:00:00.000Z',
    datacontenttype: 'application/json', vendor: 'tencent', command: 'Group.CallbackAfterSendMsg', appid: '1400000001', groupid: '@TGS#g1', convtype: 'group',
    msgseq: String(seq), msgtime: String(1_767_225_600 + seq), ...extra,
  },
  data: '{}',
});
const at = (seq: number) => (1_767_225_600 + seq) * 1000;

describe('Tencent group sequence watch', () => {
  test('When a MsgSeq is skipped and does not arrive within the grace period, then one gap names the missing numbers and their neighbours\' times', () => {
    const watch = createSequenceWatch({ graceMs: 30_000 });
    for (const seq of [1, 2, 5, 6]) watch.observe(groupMessage(seq), 1000);

    const early = watch.take(30_999);
    const due = watch.take(31_000);

    expect(early.gaps).toEqual([]);
    expect(early.marks).toEqual([{ vendor: 'tencent', app: '1400000001', conversation: '@TGS#g1', lastSeq: 6, lastAt: at(6) }]);
    expect(due.gaps).toEqual([{ kind: 'sequence', vendor: 'tencent', app: '1400000001', conversation: '@TGS#g1', fromAt: at(2), untilAt: at(5), fromSeq: 3, untilSeq: 4 }]);
    expect(due.marks).toEqual([]);
    expect(watch.take(99_000).gaps).toEqual([]);
  });

  test('When a skipped number arrives late (a retried callback), then it leaves its hole, which may split in two', () => {
    const watch = createSequenceWatch({ graceMs: 10 });
    watch.observe(groupMessage(1), 0);
    watch.observe(groupMessage(7), 0);

    watch.observe(groupMessage(4), 5);
    watch.observe(groupMessage(2), 5);

    expect(watch.take(10).gaps.map((g) => [g.fromSeq, g.untilSeq])).toEqual([[3, 3], [5, 6]]);
  });

  test('When every skipped number arrives late, then no gap is recorded', () => {
    const watch = createSequenceWatch({ graceMs: 10 });
    for (const seq of [1, 4, 2, 3, 5]) watch.observe(groupMessage(seq), 0);

    expect(watch.take(1000).gaps).toEqual([]);
  });

  test('When the previous run left a mark, then a hole across the restart is found from the first message after it', () => {
    const watch = createSequenceWatch({ graceMs: 0, marks: [{ vendor: 'tencent', app: '1400000001', conversation: '@TGS#g1', lastSeq: 10, lastAt: 5000 }] });

    watch.observe(groupMessage(14), 0);

    expect(watch.take(0).gaps).toEqual([expect.objectContaining({ fromSeq: 11, untilSeq: 13, fromAt: 5000, untilAt: at(14) })]);
  });

  test('When the gateway stops, then holes still in their grace period are reported too (the marks on disk are past them)', () => {
    const watch = createSequenceWatch({ graceMs: 60_000 });
    watch.observe(groupMessage(1), 0);
    watch.observe(groupMessage(3), 0);

    expect(watch.take(1, true).gaps.map((g) => [g.fromSeq, g.untilSeq])).toEqual([[2, 2]]);
  });

  test('When messages come from audio-video chat rooms, other vendors or one-to-one chats, then they are not followed (chat rooms are counted)', () => {
    const watch = createSequenceWatch({ graceMs: 0 });

    watch.observe(groupMessage(1, { convtype: 'chatroom' }), 0);
    watch.observe(groupMessage(9, { convtype: 'chatroom' }), 0);
    watch.observe(groupMessage(1, { vendor: 'netease' }), 0);
    watch.observe(groupMessage(1, { command: 'C2C.CallbackAfterSendMsg' }), 0);

    expect(watch.chatRoomMessages).toBe(2);
    expect(watch.conversations).toBe(0);
    expect(watch.take(0)).toEqual({ marks: [], gaps: [] });
  });

  test('When a group has more holes than it keeps, then the oldest is reported at once', () => {
    const watch = createSequenceWatch({ graceMs: 60_000, maxHoles: 2 });
    for (const seq of [1, 3, 5, 7]) watch.observe(groupMessage(seq), 0);

    expect(watch.take(0).gaps.map((g) => g.fromSeq)).toEqual([2]);
  });

  test('When more groups are active than followed, then the least recently active one is dropped', () => {
    const watch = createSequenceWatch({ graceMs: 0, maxConversations: 2 });
    for (const group of ['a', 'b', 'a', 'c']) watch.observe(groupMessage(1, { groupid: group }), 0);
    watch.take(0);

    watch.observe(groupMessage(5, { groupid: 'a' }), 0);
    watch.observe(groupMessage(5, { groupid: 'b' }), 0);

    expect(watch.conversations).toBe(2);
    expect(watch.take(0).gaps.map((g) => g.conversation)).toEqual(['a']);
  });
});
