import { neutralMessageSchema, type NeutralMessage } from '../../../../src/events/message';
import { relayMarkerKey } from '../../../../src/events/relay-marker';
import { msgElementSchema } from '../../../../src/vendors/tencent/elements';
import { parseTencentBody } from '../../../../src/vendors/tencent/intake';
import { kindOf, neutralElement } from '../../../../src/vendors/tencent/neutral';
import { parseTencentQuery } from '../../../../src/vendors/tencent/query';
import { tencentEvent } from '../../../../src/vendors/tencent/to-event';
import { allFixtures, loadFixture, type TencentFixture } from '../../../helpers/fixtures';

const receivedAt = 1_767_225_603_500;
const messageCommands = new Set(['C2C.CallbackAfterSendMsg', 'Group.CallbackAfterSendMsg']);

function eventOf(fixture: TencentFixture) {
  const query = parseTencentQuery(new URLSearchParams(fixture.query));
  const parsed = parseTencentBody(Buffer.from(JSON.stringify(fixture.body)), query);
  if (!parsed.ok) throw new Error(parsed.detail);
  return tencentEvent(query, parsed.body, parsed.text, receivedAt).event;
}
const messageOf = (fixture: TencentFixture): NeutralMessage => neutralMessageSchema.parse(JSON.parse(eventOf(fixture).message ?? 'null'));
const element = (MsgType: string, MsgContent: unknown) => neutralElement(msgElementSchema.parse({ MsgType, MsgContent }));

describe('the neutral message of a Tencent callback', () => {
  test.each(allFixtures().map((f) => [f.name, f] as const))('When %s is mapped, then a sent message carries a valid neutral message and nothing else does', (_name, fixture) => {
    const event = eventOf(fixture);

    if (!messageCommands.has(fixture.query.CallbackCommand!)) {
      expect(event.message).toBeUndefined();
      return;
    }
    const message = messageOf(fixture);
    expect(message).toMatchObject({ version: 1, vendor: 'tencent', appId: '1400000001', eventId: event.attributes.id, from: event.attributes.fromaccount });
    expect(message.elements.map((e) => e.kind).join(',')).toBe(event.attributes.elementkinds);
    expect(message.messageId).toBe(event.attributes.messageid ?? event.attributes.id);
  });

  test('When a one-to-one message is mapped, then every field is there', () => {
    expect(messageOf(loadFixture('c2c-after-send-text'))).toEqual({
      version: 1,
      vendor: 'tencent',
      appId: '1400000001',
      eventId: eventOf(loadFixture('c2c-after-send-text')).attributes.id,
      messageId: '93847_1287657_1767225601',
      clientMessageId: '144115233406643804-1767225601-1287657',
      conversation: 'one-to-one',
      from: 'user_alice',
      to: 'user_bob',
      sentAt: '2026-01-01T00:00:01.000Z',
      sendFailed: false,
      elements: [{ kind: 'text', vendorType: 'TIMTextElem', text: 'Hello Bob 👋 — 今天下午开会吗？' }],
      ext: '{"bizType":"chat","v":1}',
    });
  });

  test('When delivery failed, then the message says so', () => {
    expect(messageOf(loadFixture('c2c-after-send-failed')).sendFailed).toBe(true);
  });

  test.each([
    ['group-after-send', 'group', '@TGS#2J4SZEAEL:123'],
    ['group-after-send-avchatroom-captured', 'chatroom', '336929693:74'],
    ['group-after-send-live-room', 'chatroom', '@TGS#2J4SZEAEL:123'],
  ])('When the group message %s is mapped, then the conversation is %s and the message id is GroupId:MsgSeq', (name, conversation, messageId) => {
    const message = messageOf(loadFixture(name));

    expect(message).toMatchObject({ conversation, messageId });
    expect(message.groupId).toBeDefined();
    expect(message.to).toBeUndefined();
  });

  test('When CloudCustomData carries a relay marker, then ext keeps the text as sent (the vendor checks the marker)', () => {
    const fixture = loadFixture('c2c-after-send-text');
    const ext = JSON.stringify({ [relayMarkerKey]: 'gateway-a', v: 1 });

    const message = messageOf({ ...fixture, body: { ...fixture.body, CloudCustomData: ext } });

    expect(message).toMatchObject({ ext });
    expect(message.relayedBy).toBeUndefined();
  });
});

describe('neutralElement', () => {
  test.each([
    ['TIMTextElem', { Text: 'hi' }, { kind: 'text', vendorType: 'TIMTextElem', text: 'hi' }],
    ['TIMLocationElem', { Desc: 'Shenzhen', Latitude: 22.5, Longitude: 113.9 }, { kind: 'location', vendorType: 'TIMLocationElem', latitude: 22.5, longitude: 113.9, description: 'Shenzhen' }],
    ['TIMFaceElem', { Index: 12, Data: '[smile]' }, { kind: 'face', vendorType: 'TIMFaceElem', index: 12, data: '[smile]' }],
    ['TIMCustomElem', { Data: '{"a":1}', Desc: 'd', Ext: 'e', Sound: 's.aiff' }, { kind: 'custom', vendorType: 'TIMCustomElem', data: '{"a":1}', description: 'd', extension: 'e' }],
    ['TIMSoundElem', { Url: 'https://x/s', UUID: 'u', Size: 62351, Second: 7, Download_Flag: 2 }, { kind: 'audio', vendorType: 'TIMSoundElem', url: 'https://x/s', durationSeconds: 7, size: 62351 }],
    ['TIMSoundElem', { UUID: 'u', Size: 1, Second: 1 }, { kind: 'audio', vendorType: 'TIMSoundElem', durationSeconds: 1, size: 1 }],
    ['TIMFileElem', { Url: 'https://x/f', UUID: 'u', FileSize: 10, FileName: 'a.pdf', Download_Flag: 2 }, { kind: 'file', vendorType: 'TIMFileElem', url: 'https://x/f', name: 'a.pdf', size: 10 }],
    [
      'TIMVideoFileElem',
      { VideoUrl: 'https://x/v', VideoUUID: 'v', VideoSize: 9, VideoSecond: 5, VideoFormat: 'mp4', VideoDownloadFlag: 2, ThumbUrl: 'https://x/t', ThumbUUID: 't', ThumbSize: 1, ThumbWidth: 720, ThumbHeight: 1280, ThumbFormat: 'JPG' },
      { kind: 'video', vendorType: 'TIMVideoFileElem', url: 'https://x/v', durationSeconds: 5, size: 9, format: 'mp4', thumbnailUrl: 'https://x/t' },
    ],
    [
      'TIMRelayElem',
      { Title: 'history', MsgNum: 120, CompatibleText: 'upgrade', AbstractList: ['A: hi', 'B: yo'], JsonMsgKey: 'k' },
      { kind: 'merged', vendorType: 'TIMRelayElem', title: 'history', summary: ['A: hi', 'B: yo'], messageCount: 120 },
    ],
    [
      'TIMRelayElem',
      { MsgList: [{ From_Account: 'a', MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'x' } }] }] },
      { kind: 'merged', vendorType: 'TIMRelayElem', messageCount: 1 },
    ],
    ['TIMStreamElem', { Foo: 'bar' }, { kind: 'unknown', vendorType: 'TIMStreamElem', content: { MsgType: 'TIMStreamElem', MsgContent: { Foo: 'bar' } } }],
  ])('When a %s element is mapped, then it becomes the neutral element with its documented fields', (type, content, expected) => {
    expect(element(type, content)).toEqual(expected);
  });

  test('When an image has three sizes, then every size is kept, largest first, with its role, and 0 dimensions are left out', () => {
    const image = loadFixture('c2c-before-send-image-moderation').body.MsgBody as { MsgContent: { ImageInfoArray: object[] } }[];
    const shuffled = { ...image[0]!.MsgContent, ImageInfoArray: [...image[0]!.MsgContent.ImageInfoArray].reverse() };

    const mapped = element('TIMImageElem', shuffled);

    expect(mapped).toMatchObject({ kind: 'image', vendorType: 'TIMImageElem', format: 'png' });
    expect(mapped.kind === 'image' && mapped.images).toEqual([
      { url: expect.stringMatching(/101935\?imageMogr2\/$/), width: 1156, height: 582, size: 43599, role: 'original' },
      { url: expect.stringMatching(/101935\?imageMogr2\/$/), size: 0, role: 'large' },
      { url: expect.stringMatching(/w\/198\/h\/198$/), width: 394, height: 198, size: 0, role: 'thumbnail' },
    ]);
  });

  test('When an image size has an undocumented type, then it comes after the documented ones, larger first', () => {
    const mapped = element('TIMImageElem', {
      UUID: 'u',
      ImageInfoArray: [
        { Type: 9, Width: 10, Height: 10, URL: 'small' },
        { Type: 3, Width: 100, Height: 100, URL: 'thumb' },
        { Type: 8, Width: 50, Height: 50, URL: 'medium' },
      ],
    });

    expect(mapped.kind === 'image' && mapped.images.map((image) => image.url)).toEqual(['thumb', 'medium', 'small']);
  });

  test.each([
    ['TIMTextElem', 'text'],
    ['TIMImageElem', 'image'],
    ['TIMSoundElem', 'audio'],
    ['TIMVideoFileElem', 'video'],
    ['TIMFileElem', 'file'],
    ['TIMLocationElem', 'location'],
    ['TIMCustomElem', 'custom'],
    ['TIMFaceElem', 'face'],
    ['TIMRelayElem', 'merged'],
    ['TIMGroupTipElem', 'unknown'],
    ['toString', 'unknown'],
  ])('When the element type is %s, then its kind is %s', (type, kind) => {
    expect(kindOf(type)).toBe(kind);
  });
});
