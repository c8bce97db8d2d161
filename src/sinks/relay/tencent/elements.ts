import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { MessageElement, NeutralMessage } from '../../../events/message';
import { UnmappableError } from '../errors';
import { fileNameOf } from '../file-name';

/**
 * How neutral elements become Tencent `MsgBody` elements (message format page,
 * https://cloud.tencent.com/document/product/269/2720), and back as far as the relay marker binds them.
 * Tencent carries several elements in one message, so a message is one send. Pure: no I/O.
 */

export interface TimElement {
  readonly MsgType: string;
  readonly MsgContent: Readonly<Record<string, unknown>>;
}

export const relayElementsSchema = z
  .strictObject({
    merged: z.enum(['text', 'custom']).default('text').describe('A merged/forwarded element becomes a TIMTextElem summary or a TIMCustomElem'),
  })
  .prefault({});
export type RelayElements = z.output<typeof relayElementsSchema>;

/** `ImageFormat` codes (1 JPG, 2 GIF, 3 PNG, 4 BMP, 255 other). */
const imageFormats: Readonly<Record<string, number>> = { jpg: 1, jpeg: 1, gif: 2, png: 3, bmp: 4 };
const roleTypes = { original: 1, large: 2, thumbnail: 3 } as const;

/** A stable UUID for a file Tencent did not store (the same URL gives the same UUID, so a resend is the same message). */
const uuidOf = (url: string) => createHash('sha1').update(url).digest('hex').slice(0, 32);

type Image = Extract<MessageElement, { kind: 'image' }>['images'][number];

/** Tencent's three variants (original, large, thumbnail): each the one of that role, else the largest. */
function imageInfos(images: readonly Image[]): Record<string, unknown>[] {
  const largest = images[0];
  if (!largest) return [];
  return (Object.entries(roleTypes) as [keyof typeof roleTypes, number][]).map(([role, type]) => {
    const image = images.find((candidate) => candidate.role === role) ?? largest;
    return { Type: type, Size: image.size ?? 0, Width: image.width ?? 0, Height: image.height ?? 0, URL: image.url };
  });
}

const mergedText = (element: Extract<MessageElement, { kind: 'merged' }>) => [`[${element.title ?? 'Chat history'}]`, ...(element.summary ?? [])].join('\n');

/** One neutral element as a Tencent element, or an `UnmappableError`. */
export function timElement(element: MessageElement, position: number, options: RelayElements): TimElement {
  const missing = (field: string) => new UnmappableError(`element ${position} (${element.kind}, ${element.vendorType}) has no ${field}; Tencent needs it`);
  switch (element.kind) {
    case 'text':
      return { MsgType: 'TIMTextElem', MsgContent: { Text: element.text } };
    case 'image': {
      const url = element.images[0]?.url;
      if (!url) throw missing('image URL');
      const format = imageFormats[(element.format ?? fileNameOf('image', url, element.name).split('.').pop() ?? '').toLowerCase()] ?? 255;
      return { MsgType: 'TIMImageElem', MsgContent: { UUID: uuidOf(url), ImageFormat: format, ImageInfoArray: imageInfos(element.images) } };
    }
    case 'audio':
      if (!element.url) throw missing('url');
      return { MsgType: 'TIMSoundElem', MsgContent: { Url: element.url, UUID: uuidOf(element.url), Size: element.size ?? 0, Second: Math.round(element.durationSeconds ?? 0), Download_Flag: 2 } };
    case 'video':
      if (!element.url) throw missing('url');
      return {
        MsgType: 'TIMVideoFileElem',
        MsgContent: {
          VideoUrl: element.url,
          VideoUUID: uuidOf(element.url),
          VideoSize: element.size ?? 0,
          VideoSecond: Math.round(element.durationSeconds ?? 0),
          VideoFormat: element.format ?? 'mp4',
          VideoDownloadFlag: 2,
          ThumbUrl: element.thumbnailUrl ?? '',
          ThumbUUID: uuidOf(element.thumbnailUrl ?? element.url),
          ThumbSize: 0,
          ThumbWidth: 0,
          ThumbHeight: 0,
          ThumbFormat: 'JPG',
          ThumbDownloadFlag: 2,
        },
      };
    case 'file':
      if (!element.url) throw missing('url');
      return { MsgType: 'TIMFileElem', MsgContent: { Url: element.url, UUID: uuidOf(element.url), FileSize: element.size ?? 0, FileName: fileNameOf('file', element.url, element.name), Download_Flag: 2 } };
    case 'location':
      return { MsgType: 'TIMLocationElem', MsgContent: { Desc: element.description ?? '', Latitude: element.latitude, Longitude: element.longitude } };
    case 'custom':
      return { MsgType: 'TIMCustomElem', MsgContent: { Data: element.data ?? (element.exts ? JSON.stringify(element.exts) : ''), Desc: element.description ?? element.event ?? '', Ext: element.extension ?? '' } };
    case 'face':
      return { MsgType: 'TIMFaceElem', MsgContent: { Index: element.index ?? 0, Data: element.data ?? '' } };
    case 'merged':
      if (options.merged === 'text') return { MsgType: 'TIMTextElem', MsgContent: { Text: mergedText(element) } };
      return { MsgType: 'TIMCustomElem', MsgContent: { Data: JSON.stringify({ title: element.title, summary: element.summary, messageCount: element.messageCount }), Desc: 'merged', Ext: '' } };
    case 'unknown':
      throw new UnmappableError(`element ${position} (${element.vendorType}) has no Tencent equivalent`);
  }
}

/** The `MsgBody` of a message: every element in order. */
export function msgBody(message: NeutralMessage, options: RelayElements): TimElement[] {
  if (message.elements.length === 0) throw new UnmappableError('message has no elements');
  return message.elements.map((element, index) => timElement(element, index, options));
}

/**
 * The neutral element the gateway's Tencent intake makes of this element when Tencent calls back with
 * it (vendors/tencent/neutral.ts), as far as the marker binds it (`contentOf`): the text, the original
 * image's URL, the media URL, the place, the custom data, the face.
 */
export function echoOf(element: TimElement): MessageElement {
  const c = element.MsgContent;
  const str = (field: string) => (typeof c[field] === 'string' ? (c[field] as string) : undefined);
  const num = (field: string) => (typeof c[field] === 'number' ? (c[field] as number) : undefined);
  const vendorType = element.MsgType;
  switch (element.MsgType) {
    case 'TIMTextElem':
      return { kind: 'text', vendorType, text: str('Text') ?? '' };
    case 'TIMImageElem':
      return { kind: 'image', vendorType, images: [{ url: (c.ImageInfoArray as { URL: string }[] | undefined)?.[0]?.URL ?? '' }] };
    case 'TIMSoundElem':
      return { kind: 'audio', vendorType, url: str('Url') };
    case 'TIMVideoFileElem':
      return { kind: 'video', vendorType, url: str('VideoUrl') };
    case 'TIMFileElem':
      return { kind: 'file', vendorType, url: str('Url') };
    case 'TIMLocationElem':
      return { kind: 'location', vendorType, latitude: num('Latitude') ?? 0, longitude: num('Longitude') ?? 0, description: str('Desc') };
    case 'TIMCustomElem':
      return { kind: 'custom', vendorType, data: str('Data') };
    case 'TIMFaceElem':
      return { kind: 'face', vendorType, index: num('Index'), data: str('Data') };
    default:
      return { kind: 'unknown', vendorType };
  }
}
