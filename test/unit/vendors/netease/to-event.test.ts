import { bodyHashWindowMs } from '../../../../src/events/event';
import { neutralMessageSchema, type NeutralMessage } from '../../../../src/events/message';
import { createNeteaseVendor } from '../../../../src/vendors/netease';
import type { CallbackHead, Intake } from '../../../../src/vendors/vendor';
import { neteaseFixture, neteaseFixtures, signedHeaders, testAppKey, testSecret } from './fixtures';

const vendor = createNeteaseVendor({ appSecrets: [testSecret], appKey: testAppKey, curTimeWindowSeconds: undefined });
const receivedAt = 1_718_000_000_500;

function eventOf(name: string, at = receivedAt) {
  const fixture = neteaseFixture(name);
  const intake = vendor.toEvent(fixture.head, fixture.body, at);
  if (intake.kind !== 'event') throw new Error(`${name}: ${JSON.stringify(intake)}`);
  return intake;
}
const bodyEvent = (text: string, at = receivedAt, head: CallbackHead = { query: new URLSearchParams(), headers: signedHeaders(Buffer.from(text)) }) => vendor.toEvent(head, Buffer.from(text), at);
const idOf = (intake: Intake) => (intake.kind === 'event' ? intake.event.attributes.id : intake.kind);
const messageOf = (intake: Intake): NeutralMessage | undefined => (intake.kind === 'event' && intake.event.message ? neutralMessageSchema.parse(JSON.parse(intake.event.message)) : undefined);

describe('NetEase events', () => {
  test('When N1 is mapped, then the CloudEvents attributes carry the common and NetEase attributes', () => {
    const intake = eventOf('n1-p2p-text');

    expect(intake.label).toBe('conversation');
    expect(intake.event.attributes).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      source: `netease-im/${testAppKey}`,
      type: 'com.netease.im.conversation',
      time: '2024-06-10T06:13:20.001Z',
      datacontenttype: 'application/json',
      vendor: 'netease',
      command: 'conversation',
      appid: testAppKey,
      fromaccount: 'user_alice',
      toaccount: 'user_bob',
      convtype: 'c2c',
      messageid: '6120031988331',
      elementkinds: 'text',
      sendfailed: false,
      eventtype: '1',
      clienttype: 'IOS',
      msgtypes: 'TEXT',
      msgidclient: '3f6c2a9e-8d41-4b7a-9c55-1e2f3a4b5c6d',
      neteaseconvtype: 'PERSON',
    });
    expect(intake.event.data).toBe(neteaseFixture('n1-p2p-text').body.toString('utf8'));
    expect(intake.facts).toEqual({ platform: 'IOS', msgTypes: ['TEXT'], sendFailed: false, lagSeconds: 0.499 });
  });

  test('When N1, N5 (numeric eventType) and N6 (extra space) arrive, then they share one id: the msgidServer', () => {
    const ids = ['n1-p2p-text', 'n5-numeric-event-type', 'n6-odd-whitespace'].map((name) => idOf(eventOf(name)));

    expect(new Set(ids).size).toBe(1);
    expect(idOf(eventOf('n1-p2p-text', receivedAt + 86_400_000))).toBe(ids[0]);
  });

  test('When the AppKey header is absent, then the configured AppKey names the source; with neither, the source is unknown', () => {
    const n1 = neteaseFixture('n1-p2p-text');
    const { appkey: _dropped, ...headers } = n1.head.headers;
    const bare = createNeteaseVendor({ appSecrets: [testSecret], appKey: undefined, curTimeWindowSeconds: undefined });

    const configured = vendor.toEvent({ ...n1.head, headers }, n1.body, receivedAt);
    const unknown = bare.toEvent({ ...n1.head, headers }, n1.body, receivedAt);

    expect(configured.kind === 'event' && configured.event.attributes.source).toBe(`netease-im/${testAppKey}`);
    expect(idOf(configured)).toBe(idOf(eventOf('n1-p2p-text')));
    expect(unknown.kind === 'event' && [unknown.event.attributes.source, unknown.event.attributes.appid]).toEqual(['netease-im/unknown', undefined]);
  });

  test('When a recall arrives again later, then the id is the same (msgId plus eventType), and differs from the message it recalls', () => {
    const recall = eventOf('n3-p2p-recall');

    expect(idOf(eventOf('n3-p2p-recall', receivedAt + 3_600_000))).toBe(recall.event.attributes.id);
    expect(recall.event.attributes.id).not.toBe(idOf(eventOf('n1-p2p-text')));
    expect(recall.event.attributes).toMatchObject({ type: 'com.netease.im.p2p_recall', messageid: '6120031988331', fromaccount: 'user_alice', toaccount: 'user_bob', convtype: 'c2c', time: '2024-06-10T06:14:20.000Z' });
    expect(recall.event.message).toBeUndefined();
  });

  test('When a recall of the same msgId arrives as another eventType, then the ids differ', () => {
    const p2p = '{"eventType":"7","msgId":"42","from":"a","to":"b"}';

    expect(idOf(bodyEvent(p2p))).not.toBe(idOf(bodyEvent(p2p.replace('"7"', '"8"'))));
  });

  test('When login and logout are mapped, then the id is the whole body, however late a resend comes', () => {
    const login = '{"eventType":"2","accid":"a","timestamp":"1718000000000","clientIp":"198.51.100.7"}';

    expect(idOf(bodyEvent(login))).toBe(idOf(bodyEvent(login, receivedAt + 86_400_000)));
    expect(idOf(bodyEvent(login))).not.toBe(idOf(bodyEvent(login.replace('198.51.100.7', '203.0.113.9'))));
    expect(idOf(bodyEvent(login))).not.toBe(idOf(bodyEvent(login.replace('1718000000000', '1718000000001'))));
    expect(idOf(bodyEvent(login))).not.toBe(idOf(bodyEvent(login.replace('"2"', '"3"'))));
    expect(eventOf('logout').event.attributes).toMatchObject({ type: 'com.netease.im.logout', fromaccount: 'user_alice', clienttype: 'IOS', time: '2024-06-10T06:15:00.000Z' });
  });

  test.each([
    ['device', '"deviceId":"phone-1"', '"deviceId":"tablet-2"'],
    ['client type', '"clientType":"IOS"', '"clientType":"AOS"'],
    ['code', '"code":"200"', '"code":"302"'],
    ['logout reason', '"logOutReason":1', '"logOutReason":3'],
  ])('When two logins or logouts of one account in one millisecond differ only in %s, then both are kept with their own ids', (_what, one, other) => {
    for (const eventType of ['2', '3']) {
      const body = (field: string) => `{"eventType":"${eventType}","accid":"a","timestamp":"1718000000000",${field}}`;

      expect(idOf(bodyEvent(body(one)))).toMatch(/^[0-9a-f]{32}$/);
      expect(idOf(bodyEvent(body(one)))).not.toBe(idOf(bodyEvent(body(other))));
    }
  });

  test.each([1, 2, 3, 4, 5, 6, 7, 8])('When a chat-room queue operation (qEvent %i) spells the room id roomid, as the document does, then it is an event of that room', (qEvent) => {
    const body = `{"eventType":"14","roomid":"88001","qEvent":"${qEvent}","accid":"user_alice","timestamp":"1718000044000"}`;

    const intake = bodyEvent(body);

    expect(intake).toMatchObject({ kind: 'event', label: 'chatroom_queue', event: { attributes: { command: 'chatroom_queue', groupid: '88001', fromaccount: 'user_alice' } } });
    expect(bodyEvent(body.replace('"roomid"', '"roomId"'))).toMatchObject({ kind: 'event', event: { attributes: { groupid: '88001' } } });
    expect(bodyEvent(body.replace('"roomid":"88001",', ''))).toMatchObject({ kind: 'invalid', reason: 'invalid_payload', detail: 'roomid: missing (expected the room id, as roomid or roomId)' });
  });

  test('When an event without a natural key is resent soon, then it is a duplicate; much later, it is a new event', () => {
    const heartbeat = eventOf('heartbeat');

    expect(idOf(eventOf('heartbeat', receivedAt + 1000))).toBe(heartbeat.event.attributes.id);
    expect(idOf(eventOf('heartbeat', receivedAt + 2 * bodyHashWindowMs))).not.toBe(heartbeat.event.attributes.id);
  });

  test('When chat-room messages are mapped, then they are chatroom events keyed by body hash, with the room as group', () => {
    const intake = eventOf('chatroom-custom');

    expect(intake.label).toBe('chatroom_message');
    expect(intake.event.attributes).toMatchObject({ groupid: '88001', convtype: 'chatroom', fromaccount: 'user_alice', messageid: 'c9e0d1f2-0a1b-4c2d-8e3f-405162738495', elementkinds: 'custom' });
    expect(messageOf(intake)).toMatchObject({ conversation: 'chatroom', groupId: '88001', elements: [{ kind: 'custom', vendorType: 'CUSTOM', data: '{"type":1,"data":{"value":3}}' }] });
  });

  test.each(neteaseFixtures().filter((f) => f.expect.message !== undefined).map((f) => [f.name, f] as const))(
    'When message %s is mapped, then its neutral message validates, names the event and has the expected element kind',
    (_name, fixture) => {
      const intake = vendor.toEvent(fixture.head, fixture.body, fixture.nowMs);

      const message = messageOf(intake);

      expect(message).toMatchObject({ version: 1, vendor: 'netease', eventId: idOf(intake), appId: expect.any(String) });
      expect(message?.elements.map((e) => e.kind)).toEqual([fixture.expect.message]);
      expect(message?.relayedBy).toBe(fixture.expect.relayedBy);
      expect(message?.sendFailed).toBe(fixture.expect.sendFailed);
    },
  );

  test('When a picture, audio, video, file and location are mapped, then every documented field is carried over', () => {
    expect(messageOf(eventOf('n2-team-picture'))).toMatchObject({
      conversation: 'group',
      groupId: '2348319786',
      messageId: '6120031988400',
      elements: [{ kind: 'image', images: [{ url: 'https://nim-nosdn.netease.im/example/photo.jpg', width: 1280, height: 720, size: 183245, role: 'original' }], format: 'jpg', name: 'photo.jpg', md5: '9e107d9d372bb6826bd81d3542a419d6' }],
    });
    expect(messageOf(eventOf('p2p-audio-escaped-slashes'))?.elements[0]).toEqual({ kind: 'audio', vendorType: 'AUDIO', url: 'https://nim-nosdn.netease.im/example/voice.aac', size: 20480, durationSeconds: 3.5, format: 'aac' });
    expect(messageOf(eventOf('p2p-video'))?.elements[0]).toEqual({ kind: 'video', vendorType: 'VIDEO', url: 'https://nim-nosdn.netease.im/example/clip.mp4', size: 5242880, durationSeconds: 12, format: 'mp4', width: 1920, height: 1080 });
    expect(messageOf(eventOf('super-team-file'))).toMatchObject({ messageId: '171450683457798182', elements: [{ kind: 'file', name: '季度报告.pdf', size: 1048576, md5: '4a8a08f09d37b73795649038408b5f33' }] });
    expect(messageOf(eventOf('p2p-location'))?.elements[0]).toEqual({ kind: 'location', vendorType: 'LOCATION', latitude: 30.2741, longitude: 120.1551, description: '杭州市西湖区' });
  });

  test('When a text message is mapped, then the neutral message holds what a relay needs to send it again', () => {
    expect(messageOf(eventOf('n1-p2p-text'))).toEqual({
      version: 1,
      vendor: 'netease',
      appId: testAppKey,
      eventId: idOf(eventOf('n1-p2p-text')),
      messageId: '6120031988331',
      clientMessageId: '3f6c2a9e-8d41-4b7a-9c55-1e2f3a4b5c6d',
      conversation: 'one-to-one',
      from: 'user_alice',
      to: 'user_bob',
      sentAt: '2024-06-10T06:13:20.001Z',
      elements: [{ kind: 'text', vendorType: 'TEXT', text: '你好, Bob! 明天 10 点开会' }],
      ext: '{"orderId":"A1001"}',
    });
  });

  test('When a system notification (CUSTOM_PERSON) is mapped, then it is an event without a neutral message', () => {
    const intake = eventOf('custom-person-friend-add');

    expect(intake.event.message).toBeUndefined();
    expect(intake.event.attributes).toMatchObject({ msgtypes: 'FRIEND_ADD', neteaseconvtype: 'CUSTOM_PERSON', convtype: 'c2c', messageid: '375387', toaccount: 'user_bob' });
    expect(intake.facts.msgTypes).toEqual(['FRIEND_ADD']);
  });

  test('When antispam or blacklist flags are set, then sendfailed is true in the event, the message and the facts', () => {
    const intake = eventOf('p2p-text-antispam');

    expect([intake.event.attributes.sendfailed, messageOf(intake)?.sendFailed, intake.facts.sendFailed]).toEqual([true, true, true]);
  });

  test('When an unknown eventType or msgType arrives, then labels and metric values stay in the closed set', () => {
    const other = eventOf('unlisted-event-type');
    const sticker = bodyEvent(neteaseFixture('n1-p2p-text').body.toString('utf8').replace('"TEXT"', '"STICKER"'));

    expect([other.label, other.event.attributes.type, other.event.attributes.eventtype]).toEqual(['other', 'com.netease.im.other', '99']);
    expect(sticker.kind === 'event' && [sticker.facts.msgTypes, messageOf(sticker)?.elements[0]?.kind]).toEqual([['other'], 'unknown']);
    expect(vendor.labels).toEqual(expect.arrayContaining(['conversation', 'login', 'logout', 'chatroom_message', 'p2p_recall', 'team_recall', 'super_team_recall', 'other', 'probe', 'unknown']));
  });

  test('When a timestamp is missing or absurd, then time falls back to the receipt time', () => {
    const intake = bodyEvent('{"eventType":"42","accid":"a","timestamp":"999999999999999"}');

    expect(intake.kind === 'event' && intake.event.attributes.time).toBe(new Date(receivedAt).toISOString());
  });
});
