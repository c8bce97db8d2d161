import type { MessageElement, NeutralMessage } from '../../../events/message';
import { UnmappableError } from '../errors';
import { fileNameOf } from '../file-name';

/**
 * How a neutral element becomes a NetEase message (`type` and the `body`/`attach` JSON of the server
 * API's message format examples, https://doc.yunxin.163.com/messaging/server-apis), and back as far as
 * the relay marker binds it. One NetEase message holds one element: a message of several is several
 * sends, in order. Sizes are bytes; NetEase durations (`dur`) are milliseconds. Pure: no I/O.
 */
export interface NeteaseMessage {
  /** 0 text, 1 picture, 2 audio, 3 video, 4 location, 6 file, 100 custom. */
  readonly type: number;
  readonly body: Readonly<Record<string, unknown>>;
}

const extensionOf = (url: string, name: string | undefined, format: string | undefined) => (format ?? fileNameOf('file', url, name).split('.').pop() ?? '').toLowerCase();
const defined = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : Math.round(seconds * 1000));

/** A custom element's JSON body: its data when that is a JSON object, else its flat map, else `{data}`. */
function customBody(element: Extract<MessageElement, { kind: 'custom' }>): Record<string, unknown> {
  if (element.data !== undefined) {
    try {
      const parsed: unknown = JSON.parse(element.data);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // not JSON: carried as {data}
    }
  }
  return element.exts ?? { data: element.data ?? '' };
}

export function neteaseMessage(element: MessageElement, position: number): NeteaseMessage {
  const missing = (field: string) => new UnmappableError(`element ${position} (${element.kind}, ${element.vendorType}) has no ${field}; NetEase needs it`);
  switch (element.kind) {
    case 'text':
      return { type: 0, body: { msg: element.text } };
    case 'image': {
      const image = element.images[0];
      if (!image) throw missing('image URL');
      return { type: 1, body: defined({ name: fileNameOf('image', image.url, element.name, element.format), md5: element.md5, url: image.url, ext: extensionOf(image.url, element.name, element.format), w: image.width, h: image.height, size: image.size }) };
    }
    case 'audio':
      if (!element.url) throw missing('url');
      return { type: 2, body: defined({ dur: ms(element.durationSeconds), url: element.url, ext: extensionOf(element.url, undefined, element.format), size: element.size }) };
    case 'video':
      if (!element.url) throw missing('url');
      return { type: 3, body: defined({ dur: ms(element.durationSeconds), url: element.url, w: element.width, h: element.height, ext: extensionOf(element.url, undefined, element.format), size: element.size }) };
    case 'file':
      if (!element.url) throw missing('url');
      return { type: 6, body: defined({ name: fileNameOf('file', element.url, element.name), md5: element.md5, url: element.url, ext: extensionOf(element.url, element.name, undefined), size: element.size }) };
    case 'location':
      return { type: 4, body: { title: element.description ?? '', lng: element.longitude, lat: element.latitude } };
    case 'custom':
      return { type: 100, body: customBody(element) };
    case 'face':
      return { type: 0, body: { msg: `[face ${element.data ?? element.index ?? ''}]`.replace(' ]', ']') } };
    case 'merged':
      return { type: 0, body: { msg: [`[${element.title ?? 'Chat history'}]`, ...(element.summary ?? [])].join('\n') } };
    case 'unknown':
      throw new UnmappableError(`element ${position} (${element.vendorType}) has no NetEase equivalent`);
  }
}

export function neteaseMessages(message: NeutralMessage): NeteaseMessage[] {
  if (message.elements.length === 0) throw new UnmappableError('message has no elements');
  return message.elements.map((element, index) => neteaseMessage(element, index));
}

/**
 * The neutral element the gateway's NetEase intake makes of this message when NetEase copies it back
 * (vendors/netease/message.ts), as far as the marker binds it: the text, the URL, the place, the custom JSON.
 */
export function echoOf({ type, body }: NeteaseMessage): MessageElement {
  const str = (field: string) => (typeof body[field] === 'string' ? (body[field] as string) : undefined);
  switch (type) {
    case 0:
      return { kind: 'text', vendorType: 'TEXT', text: str('msg') ?? '' };
    case 1:
      return { kind: 'image', vendorType: 'PICTURE', images: [{ url: str('url') ?? '' }] };
    case 2:
      return { kind: 'audio', vendorType: 'AUDIO', url: str('url') };
    case 3:
      return { kind: 'video', vendorType: 'VIDEO', url: str('url') };
    case 6:
      return { kind: 'file', vendorType: 'FILE', url: str('url') };
    case 4:
      return { kind: 'location', vendorType: 'LOCATION', latitude: Number(body.lat), longitude: Number(body.lng), description: str('title') || undefined };
    default:
      return { kind: 'custom', vendorType: 'CUSTOM', data: JSON.stringify(body) };
  }
}
