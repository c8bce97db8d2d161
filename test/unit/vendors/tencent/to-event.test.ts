import { eventToJson } from '../../../../src/events/event';
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
      sdkappid: '1400000001',
      platform: 'Android',
      clientip: '203.0.113.7',
      msgkey: '93847_1287657_1767225601',
      msgid: '144115233406643804-1767225601-1287657',
      fromaccount: 'user_alice',
      toaccount: 'user_bob',
      msgseq: 93847,
      msgtime: 1767225601,
      sendresult: 0,
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
