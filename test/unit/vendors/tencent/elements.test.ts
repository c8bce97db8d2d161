import { z } from 'zod';
import { knownMsgTypes, msgBodySchema, msgElementSchema } from '../../../../src/vendors/tencent/elements';

const valid: [string, unknown][] = [
  ['TIMTextElem', { Text: 'hello' }],
  ['TIMLocationElem', { Desc: 'Shenzhen', Latitude: 22.522807, Longitude: 113.935338 }],
  ['TIMFaceElem', { Index: 12, Data: '[smile]' }],
  ['TIMCustomElem', { Data: '{"a":1}', Desc: 'd', Ext: 'e', Sound: 's.aiff' }],
  ['TIMCustomElem', {}],
  ['TIMSoundElem', { Url: 'https://x/y', UUID: 'u', Size: 62351, Second: 7, Download_Flag: 2 }],
  ['TIMSoundElem', { UUID: 'u', Size: 62351, Second: 1 }],
  ['TIMImageElem', { UUID: 'u', ImageFormat: 1, ImageInfoArray: [{ Type: 1, Size: 1, Width: 0, Height: 0, URL: 'https://x' }] }],
  ['TIMFileElem', { Url: 'https://x', UUID: 'u', FileSize: 1773552, FileName: 'a.pdf', Download_Flag: 2 }],
  ['TIMFileElem', { UUID: 'u', FileSize: 1773552, FileName: 'file:///sdcard/a.pdf' }],
  ['TIMVideoFileElem', { VideoUrl: 'https://v', VideoUUID: 'v', VideoSize: 1, VideoSecond: 5, VideoFormat: 'mp4', VideoDownloadFlag: 2, ThumbUrl: 'https://t', ThumbUUID: 't', ThumbSize: 1, ThumbWidth: 720, ThumbHeight: 1280, ThumbFormat: 'JPG', ThumbDownloadFlag: 2 }],
  ['TIMVideoFileElem', { VideoUUID: 'v', VideoSize: 1, VideoSecond: 0, VideoFormat: 'mp4', ThumbUUID: 't', ThumbSize: 1, ThumbWidth: 1, ThumbHeight: 1, ThumbFormat: 'JPG' }],
  ['TIMRelayElem', { Title: 't', MsgNum: 120, CompatibleText: 'c', AbstractList: ['A: ...'], JsonMsgKey: 'relay_1' }],
];

const invalid: [string, unknown, string][] = [
  ['TIMTextElem', { Text: 1 }, 'MsgContent.Text'],
  ['TIMTextElem', {}, 'MsgContent.Text'],
  ['TIMLocationElem', { Latitude: '22.5', Longitude: 113.9 }, 'MsgContent.Latitude'],
  ['TIMLocationElem', { Latitude: 91, Longitude: 113.9 }, 'MsgContent.Latitude'],
  ['TIMFaceElem', { Data: 'x' }, 'MsgContent.Index'],
  ['TIMCustomElem', { Data: { a: 1 } }, 'MsgContent.Data'],
  ['TIMSoundElem', { UUID: 'u', Size: -1, Second: 1 }, 'MsgContent.Size'],
  ['TIMImageElem', { UUID: 'u', ImageInfoArray: [{ Type: 1 }] }, 'MsgContent.ImageInfoArray[0].URL'],
  ['TIMFileElem', { FileSize: 1 }, 'MsgContent.UUID'],
  ['TIMVideoFileElem', { VideoUUID: 'v', VideoFormat: 4 }, 'MsgContent.VideoFormat'],
  ['TIMRelayElem', { Title: 't' }, 'MsgContent'],
];

describe('msgElementSchema', () => {
  test('When the known types are listed, then all nine documented types are there', () => {
    expect([...knownMsgTypes].sort()).toEqual(
      ['TIMCustomElem', 'TIMFaceElem', 'TIMFileElem', 'TIMImageElem', 'TIMLocationElem', 'TIMRelayElem', 'TIMSoundElem', 'TIMTextElem', 'TIMVideoFileElem'],
    );
  });

  test.each(valid)('When a %s element has the documented fields, then it is accepted unchanged', (MsgType, MsgContent) => {
    const element = { MsgType, MsgContent };

    const result = msgElementSchema.safeParse(element);

    expect(result.success).toBe(true);
    expect(result.data).toEqual(element);
  });

  test.each(invalid)('When a %s element is wrong (%j), then the issue points at %s', (MsgType, MsgContent, path) => {
    const result = msgElementSchema.safeParse({ MsgType, MsgContent });

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => z.core.toDotPath(issue.path))).toContain(path);
  });

  test('When the element type is unknown, then it is kept exactly as sent, extra fields included', () => {
    const element = { MsgType: 'TIMStreamElem', MsgContent: { Foo: 'bar', n: [1, 2] }, Extra: true };

    expect(msgElementSchema.parse(element)).toEqual(element);
  });

  test('When a known element carries unknown extra fields, then they are preserved', () => {
    const element = { MsgType: 'TIMTextElem', MsgContent: { Text: 'hi', Lang: 'en' }, Flag: 1 };

    expect(msgElementSchema.parse(element)).toEqual(element);
  });

  test('When MsgType is missing or empty, then the element is refused', () => {
    expect(msgElementSchema.safeParse({ MsgContent: {} }).success).toBe(false);
    expect(msgElementSchema.safeParse({ MsgType: '', MsgContent: {} }).success).toBe(false);
  });

  test('When a relay element nests messages that nest a relay, then every level is validated', () => {
    const inner = { MsgType: 'TIMRelayElem', MsgContent: { MsgList: [{ From_Account: 'a', MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 5 } }] }] } };
    const outer = { MsgType: 'TIMRelayElem', MsgContent: { MsgNum: 1, MsgList: [{ From_Account: 'b', To_Account: 'c', MsgTimeStamp: 1, MsgBody: [inner] }] } };

    const result = msgBodySchema.safeParse([outer]);

    expect(result.success).toBe(false);
    expect(z.core.toDotPath(result.error!.issues[0]!.path)).toBe('[0].MsgContent.MsgList[0].MsgBody[0].MsgContent.MsgList[0].MsgBody[0].MsgContent.Text');
  });

  test('When a relay element nests valid messages of several types, then it is accepted', () => {
    const relay = {
      MsgType: 'TIMRelayElem',
      MsgContent: {
        MsgList: [
          { From_Account: 'a', To_Account: 'b', MsgSeq: 1, MsgRandom: 2, MsgTimeStamp: 3, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'x' } }] },
          { From_Account: 'a', GroupId: 'g', MsgBody: [{ MsgType: 'TIMNewElem', MsgContent: 1 }], CloudCustomData: '' },
        ],
      },
    };

    expect(msgBodySchema.parse([relay])).toEqual([relay]);
  });
});
