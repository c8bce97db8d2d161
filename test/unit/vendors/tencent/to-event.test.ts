import { bodyHashWindowMs, eventToJson } from '../../../../src/events/event';
import { parseTencentBody } from '../../../../src/vendors/tencent/intake';
import { parseTencentQuery } from '../../../../src/vendors/tencent/query';
import { tencentEvent } from '../../../../src/vendors/tencent/to-event';
import { loadFixture, type TencentFixture } from '../../../helpers/fixtures';

const receivedAt = 1_767_225_603_500;

function eventOf(fixture: TencentFixture, text = JSON.stringify(fixture.body)) {
  const query = parseTencentQuery(new URLSearchParams(fixture.query));
  const parsed = parseTencentBody(Buffer.from(text), query);
  if (!parsed.ok) throw new Error(parsed.detail);
  return tencentEvent(query, parsed.body, parsed.text, receivedAt);
}

describe('tencentEvent', () => {
  test('When the text fixture is mapped, then the CloudEvents attributes and extensions are set', () => {
    const { event } = eventOf(loadFixture('c2c-after-send-text'));

    expect(event.attributes).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      source: 'tencent-im/1400000001',
      type: 'com.tencent.im.C2C.CallbackAfterSendMsg',
      time: '2026-01-01T00:00:01.234Z',
      datacontenttype: 'application/json',
      vendor: 'tencent',
      command: 'C2C.CallbackAfterSendMsg',
      appid: '1400000001',
      fromaccount: 'user_alice',
      toaccount: 'user_bob',
      convtype: 'c2c',
      messageid: '93847_1287657_1767225601',
      elementkinds: 'text',
      sendfailed: false,
      sdkappid: '1400000001',
      platform: 'Android',
      clientip: '203.0.113.7',
      msgkey: '93847_1287657_1767225601',
      msgid: '144115233406643804-1767225601-1287657',
      msgseq: '93847',
      msgtime: '1767225601',
      sendresult: '0',
      msgtypes: 'TIMTextElem',
    });
  });

  test('When the body has odd spacing and a big integer, then data is the text exactly as received', () => {
    const fixture = loadFixture('c2c-after-send-minimal');
    const text = JSON.stringify(fixture.body, null, 2).replace('}', ', "Big": 12345678901234567890123 }');

    const { event } = eventOf(fixture, text);

    expect(event.data).toBe(text);
    expect(eventToJson(event)).toContain('"Big": 12345678901234567890123');
    expect(JSON.parse(eventToJson(event)).data.From_Account).toBe('jared');
  });

  test('When the same message arrives with another platform, IP or body spacing, then the id is the same', () => {
    const fixture = loadFixture('c2c-after-send-text');
    const other = { ...fixture, query: { ...fixture.query, OptPlatform: 'Web', ClientIP: '10.0.0.1' } };

    expect(eventOf(other, JSON.stringify(fixture.body, null, 1)).event.attributes.id).toBe(eventOf(fixture).event.attributes.id);
  });

  test.each([
    ['SdkAppid', (f: TencentFixture) => ({ ...f, query: { ...f.query, SdkAppid: '1400000002' } })],
    ['From_Account', (f: TencentFixture) => ({ ...f, body: { ...f.body, From_Account: 'x' } })],
    ['To_Account', (f: TencentFixture) => ({ ...f, body: { ...f.body, To_Account: 'x' } })],
    ['MsgKey', (f: TencentFixture) => ({ ...f, body: { ...f.body, MsgKey: '1_2_3' } })],
  ])('When %s differs, then the id differs', (_field, change) => {
    const fixture = loadFixture('c2c-after-send-text');

    expect(eventOf(change(fixture)).event.attributes.id).not.toBe(eventOf(fixture).event.attributes.id);
  });

  test('When a withdraw names the same message key as the after-send, then the two events have different ids', () => {
    const send = eventOf(loadFixture('c2c-after-send-text')).event;
    const withdraw = eventOf(loadFixture('c2c-after-withdraw')).event;

    expect(withdraw.attributes.msgkey).toBe(send.attributes.msgkey);
    expect(withdraw.attributes.id).not.toBe(send.attributes.id);
  });

  test('When two group messages differ only in MsgSeq, then their ids differ; the same GroupId+MsgSeq gives the same id', () => {
    const fixture = loadFixture('group-after-send');
    const again = { ...fixture, body: { ...fixture.body, MsgBody: [] } };
    const next = { ...fixture, body: { ...fixture.body, MsgSeq: 124 } };

    expect(eventOf(again).event.attributes.id).toBe(eventOf(fixture).event.attributes.id);
    expect(eventOf(next).event.attributes.id).not.toBe(eventOf(fixture).event.attributes.id);
    expect(eventOf(fixture).event.attributes.groupid).toBe('@TGS#2J4SZEAEL');
    expect(eventOf(fixture).event.attributes.time).toBe('2026-01-01T00:16:40.123Z');
  });

  test('When a command has no natural key, then identical bodies share an id and different bodies do not', () => {
    const fixture = loadFixture('state-change');
    const changed = { ...fixture, body: { ...fixture.body, EventTime: 1767226700001 } };

    expect(eventOf(fixture).event.attributes.id).toBe(eventOf(fixture).event.attributes.id);
    expect(eventOf(changed).event.attributes.id).not.toBe(eventOf(fixture).event.attributes.id);
    expect(eventOf(fixture).event.attributes.type).toBe('com.tencent.im.State.StateChange');
  });

  test('When a read report is mapped, then reporter and peer become from/to and time comes from EventTime', () => {
    const { event } = eventOf(loadFixture('c2c-after-report'));

    expect(event.attributes).toMatchObject({ fromaccount: 'user_bob', toaccount: 'user_alice', time: '2026-01-01T00:15:00.789Z', platform: 'macOS' });
  });

  test('When there is no EventTime, then time is MsgTime', () => {
    expect(eventOf(loadFixture('c2c-after-send-location')).event.attributes.time).toBe('2026-01-01T00:01:00.000Z');
  });

  test('When the message failed with UnreadMsgNum -1, then the facts say so', () => {
    const { facts } = eventOf(loadFixture('c2c-after-send-failed'));

    expect(facts).toEqual({ platform: 'Android', msgTypes: ['TIMTextElem'], sendFailed: true, lagSeconds: 1767225603.5 - 1767226200, unread: -1 });
  });

  test('When elements mix known and unknown types, then metric types are bounded to known or other', () => {
    const fixture = loadFixture('c2c-after-send-multi');
    const mixed = { ...fixture, body: { ...fixture.body, MsgBody: [...(fixture.body.MsgBody as unknown[]), { MsgType: 'TIMStreamElem', MsgContent: {} }] } };

    const { event, facts } = eventOf(mixed);

    expect(facts.msgTypes).toEqual(['TIMTextElem', 'TIMFaceElem', 'TIMTextElem', 'other']);
    expect(event.attributes.msgtypes).toBe('TIMTextElem,TIMFaceElem,TIMTextElem,TIMStreamElem');
    expect(facts.platform).toBe('RESTAPI');
  });
});

describe('tencentEvent identity: derived from what the body has', () => {
  const text = loadFixture('c2c-after-send-text');
  const without = (fixture: TencentFixture, ...fields: string[]): TencentFixture => ({
    ...fixture,
    body: Object.fromEntries(Object.entries(fixture.body).filter(([key]) => !fields.includes(key))),
  });
  const eventAt = (fixture: TencentFixture, at: number) => {
    const query = parseTencentQuery(new URLSearchParams(fixture.query));
    const parsed = parseTencentBody(Buffer.from(JSON.stringify(fixture.body)), query);
    if (!parsed.ok) throw new Error(parsed.detail);
    return tencentEvent(query, parsed.body, parsed.text, at).event;
  };

  test('When an after-send has no MsgKey, then its id and messageid come from MsgSeq_MsgRandom_MsgTime, the same as with that MsgKey', () => {
    const event = eventOf(without(text, 'MsgKey')).event;

    expect(event.attributes.id).toBe(eventOf(text).event.attributes.id);
    expect(event.attributes.messageid).toBe('93847_1287657_1767225601');
    expect(event.attributes.msgkey).toBeUndefined();
  });

  test('When an after-send has neither MsgKey nor the triple, then its client MsgId identifies it', () => {
    const bare = without(text, 'MsgKey', 'MsgSeq', 'MsgRandom', 'MsgTime', 'SendMsgResult', 'ErrorInfo', 'UnreadMsgNum');
    const edited = { ...bare, body: { ...bare.body, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'other text' } }] } };
    const otherId = { ...bare, body: { ...bare.body, MsgId: '1-2-3' } };

    expect(eventOf(edited).event.attributes.id).toBe(eventOf(bare).event.attributes.id);
    expect(eventOf(otherId).event.attributes.id).not.toBe(eventOf(bare).event.attributes.id);
    expect(eventOf(bare).event.attributes).toMatchObject({ messageid: '144115233406643804-1767225601-1287657' });
    expect(eventOf(bare).event.attributes.sendfailed).toBeUndefined();
  });

  test('When a body has no identity at all, then it is keyed by its hash for a short window only', () => {
    const old = loadFixture('c2c-after-send-old-doc');

    const first = eventAt(old, receivedAt).attributes.id;

    expect(eventAt(old, receivedAt + 60_000).attributes.id).toBe(first);
    expect(eventAt(old, receivedAt + bodyHashWindowMs).attributes.id).not.toBe(first);
    expect(eventAt({ ...old, body: { ...old.body, MsgBody: [] } }, receivedAt).attributes.id).not.toBe(first);
  });

  test('When a before-send has no MsgSeq, MsgRandom or MsgTime, then it is an event of the one-to-one conversation', () => {
    const { event } = eventOf(loadFixture('c2c-before-send-no-sequence'));

    expect(event.attributes).toMatchObject({ command: 'C2C.CallbackBeforeSendMsg', convtype: 'c2c', fromaccount: 'jared', toaccount: 'Jonh', elementkinds: 'text' });
    expect(event.attributes.messageid).toBeUndefined();
    expect(event.message).toBeUndefined();
  });

  test('When an audio-video chat room message has no MsgSeq or MsgTime, then it is a chat-room message keyed by its body hash', () => {
    const { event } = eventOf(loadFixture('group-after-send-avchatroom-old-doc'));

    expect(event.attributes).toMatchObject({ convtype: 'chatroom', groupid: '@xmniao#999991', fromaccount: '12100008888', elementkinds: 'text' });
    expect(event.attributes.msgseq).toBeUndefined();
    expect(event.attributes.time).toBe(new Date(receivedAt).toISOString());
    expect(JSON.parse(event.message!)).toMatchObject({ conversation: 'chatroom', groupId: '@xmniao#999991', messageId: event.attributes.id, sentAt: event.attributes.time });
  });

  test('When a group message has no MsgSeq, then Random identifies it within the group and sender', () => {
    const group = loadFixture('group-after-send');
    const noSeq = without(group, 'MsgSeq', 'MsgId');

    expect(eventOf({ ...noSeq, body: { ...noSeq.body, MsgBody: [] } }).event.attributes.id).toBe(eventOf(noSeq).event.attributes.id);
    expect(eventOf({ ...noSeq, body: { ...noSeq.body, Random: 7 } }).event.attributes.id).not.toBe(eventOf(noSeq).event.attributes.id);
    expect(eventOf(group).event.attributes.messageid).toBe('@TGS#2J4SZEAEL:123');
  });

  test('When the SdkAppid is zero-padded, then the event is the same event of the same app', () => {
    const padded = { ...text, query: { ...text.query, SdkAppid: '01400000001' } };

    const event = eventOf(padded).event;

    expect(event.attributes.id).toBe(eventOf(text).event.attributes.id);
    expect(event.attributes).toMatchObject({ source: 'tencent-im/1400000001', appid: '1400000001', sdkappid: '1400000001' });
  });

  test.each(['', 'not-an-ip', '999.1.1.1'])('When ClientIP is %j, then the event has no clientip attribute', (clientIp) => {
    const event = eventOf({ ...text, query: { ...text.query, ClientIP: clientIp } }).event;

    expect(event.attributes).not.toHaveProperty('clientip');
    expect(event.attributes.id).toBe(eventOf(text).event.attributes.id);
  });

  test('When a command without a schema has no CallbackCommand in its body, then the query names it', () => {
    const { event } = eventOf(loadFixture('content-callback-result'));

    expect(event.attributes).toMatchObject({ type: 'com.tencent.im.ContentCallback.ResultNotify', command: 'ContentCallback.ResultNotify', fromaccount: 'jared' });
  });

  test('When an element of an unknown type has no MsgContent, then the message is accepted with an unknown element', () => {
    const fixture = { ...text, body: { ...text.body, MsgBody: [{ MsgType: 'TIMGroupTipElem' }, ...(text.body.MsgBody as unknown[])] } };

    const { event } = eventOf(fixture);

    expect(event.attributes.elementkinds).toBe('unknown,text');
    expect(JSON.parse(event.message!).elements[0]).toEqual({ kind: 'unknown', vendorType: 'TIMGroupTipElem', content: { MsgType: 'TIMGroupTipElem' } });
  });
});
