import { commonAttributeNames } from '../../../../src/events/attributes';
import { neutralMessageSchema, type NeutralMessage } from '../../../../src/events/message';
import type { Intake } from '../../../../src/vendors/vendor';
import { easemobIntake } from '../../../../src/vendors/easemob/intake';
import { fixtureBytes, fixtureJson, fixtureNames } from './fixtures';

const receivedAt = 1718000001123;
type EventIntake = Extract<Intake, { kind: 'event' }>;

function eventOf(name: string | Buffer): EventIntake {
  const intake = easemobIntake(typeof name === 'string' ? fixtureBytes(name) : name, receivedAt);
  if (intake.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(intake)}`);
  return intake;
}

function messageOf(name: string): NeutralMessage {
  const { event } = eventOf(name);
  return neutralMessageSchema.parse(JSON.parse(event.message ?? 'null'));
}

describe('Easemob intake', () => {
  describe('chat (1:1 text, E1)', () => {
    test('When mapped, then the CloudEvent carries the body as received and the common attributes', () => {
      const { event, label, facts } = eventOf('chat-txt');

      expect(label).toBe('chat');
      expect(event.data).toBe(fixtureBytes('chat-txt').toString('utf8'));
      expect(event.attributes).toMatchObject({
        specversion: '1.0',
        source: 'easemob-im/acme/chatapp',
        type: 'com.easemob.im.chat',
        time: '2024-06-10T06:13:20.123Z',
        vendor: 'easemob',
        command: 'chat',
        appid: 'acme#chatapp',
        fromaccount: 'alice',
        toaccount: 'bob',
        convtype: 'c2c',
        messageid: '1229384756102938111',
        elementkinds: 'text',
        eventtype: 'chat',
        bodytypes: 'txt',
      });
      expect(event.attributes.groupid).toBeUndefined();
      expect(event.attributes.id).toMatch(/^[0-9a-f]{32}$/);
      expect(facts).toEqual({ platform: 'other', msgTypes: ['txt'], sendFailed: false, lagSeconds: 1 });
    });

    test('When mapped, then the neutral message holds everything needed to re-send it', () => {
      const { event } = eventOf('chat-txt');

      expect(messageOf('chat-txt')).toEqual({
        version: 1,
        vendor: 'easemob',
        appId: 'acme#chatapp',
        eventId: event.attributes.id,
        messageId: '1229384756102938111',
        conversation: 'one-to-one',
        from: 'alice',
        to: 'bob',
        sentAt: '2024-06-10T06:13:20.123Z',
        elements: [{ kind: 'text', vendorType: 'txt', text: 'hello bob, 明天见' }],
        ext: '{"orderId":"A1001"}',
      });
    });
  });

  test('When a group image arrives for an offline receiver (E2), then it is a group message routed by group_id with the image fields', () => {
    const { event } = eventOf('groupchat-img-offline');

    expect(event.attributes).toMatchObject({ command: 'groupchat', convtype: 'group', groupid: '226843215495169', eventtype: 'chat_offline', elementkinds: 'image' });
    expect(event.attributes.toaccount).toBeUndefined();
    expect(messageOf('groupchat-img-offline')).toMatchObject({
      conversation: 'group',
      groupId: '226843215495169',
      from: 'alice',
      elements: [
        {
          kind: 'image',
          vendorType: 'img',
          name: 'photo.jpg',
          images: [{ url: 'https://a1.easemob.com/acme/chatapp/chatfiles/55f12940-1a2b-11ef-8a5b-ff2336f03252', width: 1280, height: 720, size: 183245, role: 'original' }],
        },
      ],
    });
    expect(messageOf('groupchat-img-offline').to).toBeUndefined();
  });

  test.each([
    ['groupchat-room-txt', 'chatroom', '185145305923585'],
    ['groupchat-group-txt', 'group', '226843215495169'],
  ])('When content_type tells the conversation (%s), then it is a %s message', (name, conversation, groupId) => {
    expect(messageOf(name)).toMatchObject({ conversation, groupId });
    expect(eventOf(name).event.attributes.convtype).toBe(conversation);
  });

  test.each([
    ['chat-audio', { kind: 'audio', vendorType: 'audio', url: 'https://a1.easemob.com/acme/chatapp/chatfiles/0a1b2c3d-aaaa-11ef-8a5b-ff2336f03252', durationSeconds: 4, size: 6630 }],
    [
      'chat-video',
      { kind: 'video', vendorType: 'video', url: 'https://a1.easemob.com/acme/chatapp/chatfiles/video-1', durationSeconds: 12, size: 1048576, width: 720, height: 1280, thumbnailUrl: 'https://a1.easemob.com/acme/chatapp/chatfiles/thumb-1' },
    ],
    ['chat-file', { kind: 'file', vendorType: 'file', url: 'https://a1.easemob.com/acme/chatapp/chatfiles/file-1', name: '报价单.pdf', size: 20480 }],
    ['chat-loc', { kind: 'location', vendorType: 'loc', latitude: 39.9087, longitude: 116.3975, description: '北京市东城区天安门' }],
    ['chat-cmd', { kind: 'custom', vendorType: 'cmd', event: 'typing' }],
    ['chat-custom', { kind: 'custom', vendorType: 'custom', event: 'order_card', data: '{"title":"Order A1001","status":"paid"}', exts: { title: 'Order A1001', status: 'paid' } }],
  ])('When the body type is %s, then the element carries its documented fields', (name, element) => {
    expect(messageOf(name).elements).toEqual([element]);
  });

  test('When a location arrives with string coordinates (the send format), then they become numbers', () => {
    const body = fixtureJson('chat-loc') as { payload: { bodies: Record<string, unknown>[] } };
    body.payload.bodies[0] = { type: 'loc', lat: '39.9', lng: '-116.5', addr: 'x' };

    const { event } = eventOf(Buffer.from(JSON.stringify(body)));

    expect(JSON.parse(event.message!).elements[0]).toMatchObject({ latitude: 39.9, longitude: -116.5 });
  });

  test('When a custom message has only the old array customExts with a number, then data keeps it and exts is absent', () => {
    const body = fixtureJson('chat-custom') as { payload: { bodies: Record<string, unknown>[] } };
    body.payload.bodies[0] = { type: 'custom', customEvent: 'gift', customExts: [{ name: 'flower' }, { size: 16 }] };

    const element = JSON.parse(eventOf(Buffer.from(JSON.stringify(body))).event.message!).elements[0];

    expect(element).toEqual({ kind: 'custom', vendorType: 'custom', event: 'gift', data: '{"name":"flower","size":16}' });
  });

  test('When the body type is not one the gateway types, then it is kept whole as an unknown element', () => {
    const original = (fixtureJson('chat-unknown-body') as { payload: { bodies: unknown[] } }).payload.bodies[0];

    expect(messageOf('chat-unknown-body').elements).toEqual([{ kind: 'unknown', vendorType: 'combine', content: original }]);
    expect(eventOf('chat-unknown-body').facts.msgTypes).toEqual(['other']);
  });

  test('When a recall arrives (E3), then it is an event keyed by its own id that names the recalled message', () => {
    const { event, label } = eventOf('recall');

    expect(label).toBe('recall');
    expect(event.message).toBeUndefined();
    expect(event.attributes).toMatchObject({ command: 'recall', messageid: '1229384756102938475', recallid: '1229384756102938111', ackmessageid: '1229384756102938111', toaccount: 'bob' });
    expect(event.attributes.id).not.toBe(eventOf('chat-txt').event.attributes.id);
  });

  test.each([
    ['read-ack', 'read_ack', 'com.easemob.im.read_ack'],
    ['notify-reaction', 'notify', 'com.easemob.im.notify'],
    ['muc-create', 'muc', 'com.easemob.im.muc'],
    ['group-op-join', 'other', 'com.easemob.im.other'],
  ])('When %s arrives, then it is an event without a neutral message, labelled %s', (name, label, type) => {
    const intake = eventOf(name);

    expect(intake.label).toBe(label);
    expect(intake.event.attributes.type).toBe(type);
    expect(intake.event.message).toBeUndefined();
    expect(intake.event.data).toBe(fixtureBytes(name).toString('utf8'));
  });

  test('When a callback without chat_type has no msg_id, then its id comes from its callId', () => {
    const body = fixtureJson('group-op-join');

    const first = eventOf(Buffer.from(JSON.stringify(body))).event;
    const other = eventOf(Buffer.from(JSON.stringify({ ...body, callId: 'acme#chatapp_another' }))).event;

    expect(first.attributes.command).toBe('group_op_event');
    expect(first.attributes.id).not.toBe(other.attributes.id);
  });

  describe('dedupe ids', () => {
    test('When E1 is posted twice, or re-signed with another callId and timestamp (the retry), then the id is the same', () => {
      const body = fixtureJson('chat-txt');

      const ids = [fixtureBytes('chat-txt'), Buffer.from(JSON.stringify({ ...body, callId: 'acme#chatapp_retry', timestamp: 1718000000999 }))].map(
        (raw) => eventOf(raw).event.attributes.id,
      );

      expect(ids[0]).toBe(ids[1]);
    });

    test('When the same message comes as chat and as chat_offline, then it is one event', () => {
      const body = fixtureJson('chat-txt');

      expect(eventOf(Buffer.from(JSON.stringify({ ...body, eventType: 'chat_offline' }))).event.attributes.id).toBe(eventOf('chat-txt').event.attributes.id);
    });

    test('When the App Key, the chat_type or the msg_id differ, then the ids differ', () => {
      const body = fixtureJson('chat-txt');
      const ids = new Set(
        [body, { ...body, appkey: 'other#app' }, { ...body, msg_id: '1229384756102938112' }, { ...body, chat_type: 'read_ack' }].map(
          (b) => eventOf(Buffer.from(JSON.stringify(b))).event.attributes.id,
        ),
      );

      expect(ids.size).toBe(4);
    });

    test('When msg_id arrives as a JSON number beyond 2^53, then the body is quarantined instead of sharing an id with its neighbour', () => {
      const text = JSON.stringify({ ...fixtureJson('chat-txt'), msg_id: 0 });
      const withId = (digits: string) => easemobIntake(Buffer.from(text.replace('"msg_id":0', `"msg_id":${digits}`)), receivedAt);

      for (const digits of ['1229384756102938960', '1229384756102938961']) {
        expect(withId(digits)).toMatchObject({ kind: 'invalid', label: 'chat', reason: 'invalid_payload', detail: expect.stringMatching(/^msg_id: .*2\^53/) });
      }
      expect(eventOf(Buffer.from(text.replace('"msg_id":0', '"msg_id":9007199254740991'))).event.attributes.messageid).toBe('9007199254740991');
    });
  });

  test('When a message carries an unsigned relay marker in ext, then the intake maps it like any message, keeping ext for the marker check', () => {
    const intake = easemobIntake(fixtureBytes('chat-relayed'), receivedAt);

    expect(intake.kind).toBe('event');
    expect(JSON.parse((intake as { event: { message: string } }).event.message).ext).toContain('imgw_relay');
  });

  test('When any fixture is mapped, then every attribute is a string or a boolean and the common names are set where known', () => {
    for (const name of fixtureNames()) {
      const { event } = eventOf(name);
      for (const value of Object.values(event.attributes)) expect(['string', 'boolean']).toContain(typeof value);
      expect(event.attributes.vendor).toBe('easemob');
      expect(Object.keys(event.attributes).filter((key) => (commonAttributeNames as readonly string[]).includes(key))).toContain('command');
      if (event.message !== undefined) expect(neutralMessageSchema.safeParse(JSON.parse(event.message)).success).toBe(true);
    }
  });

  describe('invalid bodies are kept in quarantine, never thrown', () => {
    const chat = fixtureJson('chat-txt');
    test.each<[string, Buffer, string]>([
      ['an empty body', Buffer.alloc(0), 'empty_body'],
      ['invalid UTF-8', Buffer.from([0x7b, 0xff]), 'invalid_encoding'],
      ['truncated JSON', Buffer.from('{"chat_type":"chat"'), 'malformed_json'],
      ['a chat without bodies', Buffer.from(JSON.stringify({ ...chat, payload: { ext: {} } })), 'invalid_payload'],
      ['a txt body without msg', Buffer.from(JSON.stringify({ ...chat, payload: { bodies: [{ type: 'txt' }] } })), 'invalid_payload'],
      ['a groupchat without group_id', Buffer.from(JSON.stringify({ ...chat, chat_type: 'groupchat' })), 'invalid_payload'],
      ['a loc with text coordinates', Buffer.from(JSON.stringify({ ...chat, payload: { bodies: [{ type: 'loc', lat: 'north', lng: 1 }] } })), 'invalid_payload'],
      ['ext as a string', Buffer.from(JSON.stringify({ ...chat, payload: { ext: 'x', bodies: [] } })), 'invalid_payload'],
      ['an array', Buffer.from('[]'), 'invalid_payload'],
      ['too many bodies', Buffer.from(JSON.stringify({ ...chat, payload: { bodies: Array.from({ length: 101 }, () => ({ type: 'txt', msg: 'x' })) } })), 'invalid_payload'],
    ])('When the body is %s, then it is invalid with reason %s', (_name, raw, reason) => {
      const intake = easemobIntake(raw, receivedAt);

      expect(intake).toMatchObject({ kind: 'invalid', reason });
      expect((intake as { detail: string }).detail.length).toBeLessThan(1000);
    });
  });

  describe('hostile bodies cost bounded work', () => {
    const chat = fixtureJson('chat-txt');

    test('When ext is nested 100,000 levels deep, then the body is invalid with the reason, not a crash', () => {
      const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
      const raw = Buffer.from(JSON.stringify({ ...chat, payload: { ext: { x: 1 }, bodies: [] } }).replace('{"x":1}', deep));

      const intake = easemobIntake(raw, receivedAt);

      expect(intake).toMatchObject({ kind: 'invalid', reason: 'invalid_payload', detail: 'body: JSON nests deeper than 64 levels' });
    });

    test('When a 1 MB body holds 50,000 one-character bodies, then it is refused quickly', () => {
      const bodies = Array.from({ length: 50_000 }, () => ({ type: 'txt', msg: 'x' }));
      const raw = Buffer.from(JSON.stringify({ ...chat, payload: { bodies } }));
      const started = process.hrtime.bigint();

      const intake = easemobIntake(raw, receivedAt);

      expect(intake).toMatchObject({ kind: 'invalid', reason: 'invalid_payload' });
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2000);
    });

    test('When a key is __proto__, then it stays a plain key and nothing is polluted', () => {
      const raw = Buffer.from(
        JSON.stringify({ ...chat, payload: { bodies: [{ type: 'custom', customEvent: 'e', customExts: [{ a: 'b' }] }] } }).replace('{"a":"b"}', '{"__proto__":{"polluted":"yes"}}'),
      );

      const intake = easemobIntake(raw, receivedAt);

      expect(intake.kind).toBe('event');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
