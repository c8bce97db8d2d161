import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { easemobIntake } from '../../../src/vendors/easemob/intake';
import { createNeteaseVendor } from '../../../src/vendors/netease';
import { parseTencentBody } from '../../../src/vendors/tencent/intake';
import { parseTencentQuery } from '../../../src/vendors/tencent/query';
import { tencentEvent } from '../../../src/vendors/tencent/to-event';
import { testAppKey, testSecret } from './netease/fixtures';

/**
 * An occurrence is what happened (the model); a body is how the vendor tells it. Two different
 * occurrences must get two ids, the same body sent twice one id. A vendor's message id names one
 * message, so in the model a message's content follows from its id; every other field of an event
 * without an id (login, logout, heartbeat, a group notice) varies freely. Domains are small on purpose:
 * pairs then often agree on all but one field.
 */
interface Occurrence {
  readonly vendor: 'tencent' | 'netease' | 'easemob';
  /** The model: what makes this occurrence this one. */
  readonly model: unknown;
  /** Tencent only: the query's CallbackCommand. */
  readonly command?: string;
  readonly body: string;
}

const receivedAt = 1_767_225_603_500;
const account = fc.constantFrom('alice', 'bob', 'carol');
const few = fc.integer({ min: 0, max: 2 });
const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 8);

const tencentMessage = fc.record({ command: fc.constantFrom('C2C.CallbackAfterSendMsg', 'C2C.CallbackBeforeSendMsg'), from: account, to: account, seq: few, random: few, withKey: fc.boolean() });
const tencentGroup = fc.record({ group: fc.constantFrom('@TGS#1', '@TGS#2'), seq: few });
const tencentOther = fc.record({ group: fc.constantFrom('@TGS#1', '@TGS#2'), member: account, time: few });
const tencent: fc.Arbitrary<Occurrence> = fc.oneof(
  tencentMessage.map((m) => {
    const key = `${m.seq}_${m.random}_1767225601`;
    const body = { CallbackCommand: m.command, From_Account: m.from, To_Account: m.to, MsgSeq: m.seq, MsgRandom: m.random, MsgTime: 1767225601, ...(m.withKey ? { MsgKey: key } : {}), MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `text ${digest([m.from, m.to, key])}` } }] };
    return { vendor: 'tencent' as const, model: { ...m, withKey: undefined }, command: m.command, body: JSON.stringify(body) };
  }),
  tencentGroup.map((m) => {
    const body = { CallbackCommand: 'Group.CallbackAfterSendMsg', GroupId: m.group, Type: 'Public', From_Account: `user${m.seq}`, MsgSeq: m.seq, MsgTime: 1767225601, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: `text ${digest(m)}` } }] };
    return { vendor: 'tencent' as const, model: { group: m }, command: 'Group.CallbackAfterSendMsg', body: JSON.stringify(body) };
  }),
  fc.record({ from: account, to: account, key: few }).map((m) => {
    const body = { CallbackCommand: 'C2C.CallbackAfterMsgWithDraw', From_Account: m.from, To_Account: m.to, MsgKey: `key${m.key}`, UnreadMsgNum: 0 };
    return { vendor: 'tencent' as const, model: { withdraw: m }, command: 'C2C.CallbackAfterMsgWithDraw', body: JSON.stringify(body) };
  }),
  fc.record({ reporter: account, peer: account, at: few }).map((m) => {
    const body = { CallbackCommand: 'C2C.CallbackAfterMsgReport', Report_Account: m.reporter, Peer_Account: m.peer, LastReadTime: 1767225600 + m.at, UnreadMsgNum: 0 };
    return { vendor: 'tencent' as const, model: { report: m }, command: 'C2C.CallbackAfterMsgReport', body: JSON.stringify(body) };
  }),
  tencentOther.map((m) => {
    const body = { CallbackCommand: 'Group.CallbackAfterNewMemberJoin', GroupId: m.group, JoinType: 'Apply', Operator_Account: m.member, NewMemberList: [{ Member_Account: m.member }], EventTime: 1767225600000 + m.time };
    return { vendor: 'tencent' as const, model: { other: m }, command: 'Group.CallbackAfterNewMemberJoin', body: JSON.stringify(body) };
  }),
);

const clientType = fc.constantFrom('IOS', 'AOS', 'WEB');
const device = fc.constantFrom('phone-1', 'tablet-2');
const netease: fc.Arbitrary<Occurrence> = fc.oneof(
  fc.record({ convType: fc.constantFrom('PERSON', 'TEAM'), server: few }).map((m) => {
    const body = { eventType: '1', convType: m.convType, to: 'bob', fromAccount: `user${m.server}`, msgTimestamp: '1718000000001', msgType: 'TEXT', body: `text ${digest([m.convType, m.server])}`, msgidServer: `61200319883${m.server}` };
    return { vendor: 'netease' as const, model: { message: m }, body: JSON.stringify(body) };
  }),
  fc.record({ eventType: fc.constantFrom('2', '3'), accid: account, timestamp: fc.constantFrom('1718000000000', '1718000000001'), clientType, deviceId: device, code: fc.constantFrom('200', '302'), reason: fc.option(fc.constantFrom(1, 2, 3), { nil: undefined }) }).map((m) => {
    const body = { eventType: m.eventType, accid: m.accid, clientType: m.clientType, deviceId: m.deviceId, code: m.code, timestamp: m.timestamp, ...(m.eventType === '3' && m.reason !== undefined ? { logOutReason: m.reason } : {}) };
    return { vendor: 'netease' as const, model: { login: { ...m, reason: m.eventType === '3' ? m.reason : undefined } }, body: JSON.stringify(body) };
  }),
  fc.record({ eventType: fc.constantFrom('7', '8'), msgId: few }).map((m) => {
    const body = { eventType: m.eventType, msgId: `61200319883${m.msgId}`, from: 'alice', to: m.eventType === '7' ? 'bob' : '2348319786', deleteTime: '1718000060000' };
    return { vendor: 'netease' as const, model: { recall: m }, body: JSON.stringify(body) };
  }),
  fc.record({ accid: account, clientType, deviceId: device, timestamp: fc.constantFrom('1718000000000', '1718000000001') }).map((m) => ({
    vendor: 'netease' as const,
    model: { heartbeat: m },
    body: JSON.stringify({ eventType: '42', ...m }),
  })),
);

/** Easemob message ids beside 2^53 (where doubles are 256 apart) and small ones; sent as text or as a JSON number. */
const easemobIds = ['1229384756102938960', '1229384756102938961', '9007199254740993', '9007199254740992', '42', '43'];
const easemob: fc.Arbitrary<Occurrence> = fc.oneof(
  fc.record({ chatType: fc.constantFrom('chat', 'recall'), id: fc.constantFrom(...easemobIds), asNumber: fc.boolean() }).map((m) => {
    const msgId = m.asNumber ? `"msg_id":${m.id}` : `"msg_id":"${m.id}"`;
    const payload = m.chatType === 'chat' ? `{"bodies":[{"type":"txt","msg":"text ${digest(m.id)}"}]}` : `{"ack_message_id":"1"}`;
    const body = `{"callId":"acme#chatapp_${m.id}","eventType":"chat","timestamp":1718000000123,"chat_type":"${m.chatType}","from":"alice","to":"bob",${msgId},"payload":${payload},"appkey":"acme#chatapp","security":"x"}`;
    return { vendor: 'easemob' as const, model: { message: { chatType: m.chatType, id: m.id } }, body };
  }),
  fc.record({ operation: fc.constantFrom('JOIN', 'LEAVE'), member: account, call: few }).map((m) => ({
    vendor: 'easemob' as const,
    model: { groupOp: m },
    body: JSON.stringify({ callId: `acme#chatapp_op${digest(m)}`, timestamp: 1718000600000, appkey: 'acme#chatapp', security: 'x', event: 'group_op_event', operation: m.operation, payload: { member: [m.member] } }),
  })),
);

const neteaseVendor = createNeteaseVendor({ appSecrets: [testSecret], appKey: testAppKey, curTimeWindowSeconds: undefined });

/** The event id of a body, or undefined when it is not accepted as an event (refused, quarantined). */
function idOf(o: Occurrence): string | undefined {
  const raw = Buffer.from(o.body);
  if (o.vendor === 'tencent') {
    const query = parseTencentQuery(new URLSearchParams({ SdkAppid: '1400000001', CallbackCommand: o.command ?? '', contenttype: 'json' }));
    const parsed = parseTencentBody(raw, query);
    return parsed.ok ? tencentEvent(query, parsed.body, parsed.text, receivedAt).event.attributes.id : undefined;
  }
  const intake = o.vendor === 'netease' ? neteaseVendor.toEvent({ query: new URLSearchParams(), headers: { appkey: testAppKey } }, raw, receivedAt) : easemobIntake(raw, receivedAt);
  return intake.kind === 'event' ? intake.event.attributes.id : undefined;
}

const sameModel = (a: Occurrence, b: Occurrence) => a.vendor === b.vendor && a.command === b.command && JSON.stringify(a.model) === JSON.stringify(b.model);

describe.each([
  ['tencent', tencent],
  ['netease', netease],
  ['easemob', easemob],
])('%s event ids', (_vendor, occurrence) => {
  test('When two different occurrences arrive, then they never share an id', () => {
    fc.assert(
      fc.property(occurrence, occurrence, (a, b) => {
        fc.pre(!sameModel(a, b));
        const [idA, idB] = [idOf(a), idOf(b)];

        expect(idA === undefined || idA !== idB).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('When the same body is sent again, then it gets the same id', () => {
    fc.assert(
      fc.property(occurrence, (a) => {
        const id = idOf(a);

        expect(id === undefined || id === idOf({ ...a })).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('When bodies of every kind are drawn, then most are accepted as events (the property is not vacuous)', () => {
    const samples = fc.sample(occurrence, { numRuns: 300, seed: 42 });

    expect(samples.filter((o) => idOf(o) !== undefined).length).toBeGreaterThan(200);
  });
});
