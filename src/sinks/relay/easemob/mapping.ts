import { z } from 'zod';
import type { MessageElement, NeutralMessage } from '../../../events/message';
import { conversationTargetsSchema } from '../conversations';
import { fileNameOf } from '../file-name';
import { UnmappableError } from '../errors';

export { UnmappableError };

/**
 * How a neutral message becomes Easemob REST sends (the relay sink's mapping). Pure: no I/O.
 * Body fields per type: https://doc.easemob.com/document/server-side/message_single.html §2.1.
 */

const customEvent = z.string().regex(/^[a-zA-Z0-9-_/.]{1,32}$/, 'Easemob customEvent: 1-32 of a-z A-Z 0-9 - _ / .');
const easemobId = z.string().min(1).max(64);

/** Users, groups and rooms on Easemob (ids of at most 64 characters). */
export const relayTargetsSchema = conversationTargetsSchema(easemobId);

export const relayElementsSchema = z
  .strictObject({
    several: z.enum(['each', 'joined']).default('each').describe('A message of several elements: one send per element in order, or one txt with their texts joined'),
    joinWith: z.string().max(16).default('\n'),
    face: z.enum(['txt', 'custom']).default('txt').describe('An emoji element becomes a txt "[face …]" or a custom message'),
    merged: z.enum(['txt', 'custom']).default('txt').describe('A merged/forwarded element becomes a txt summary or a custom message'),
    customEvent: customEvent.default('imgw_custom').describe('customEvent of relayed custom elements'),
    faceEvent: customEvent.default('imgw_face'),
    mergedEvent: customEvent.default('imgw_merged'),
  })
  .prefault({});

export type RelayTargets = z.output<typeof relayTargetsSchema>;
export type RelayElements = z.output<typeof relayElementsSchema>;

export interface Mapped {
  readonly type: string;
  readonly body: Record<string, unknown>;
}

const maxCustomExts = 16;

/** A flat map of at most 16 strings, from `exts` or from `data` when it is such a JSON object; else undefined. */
function flatStringMap(element: Extract<MessageElement, { kind: 'custom' }>): Record<string, string> | undefined {
  const candidates: unknown[] = [element.exts];
  if (element.data !== undefined) {
    try {
      candidates.push(JSON.parse(element.data));
    } catch {
      // not JSON: sent as {data} below
    }
  }
  for (const candidate of candidates) {
    if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) continue;
    const entries = Object.entries(candidate);
    if (entries.length <= maxCustomExts && entries.every(([, value]) => typeof value === 'string')) return Object.fromEntries(entries) as Record<string, string>;
  }
  return undefined;
}

/** The largest image variant (by pixels, then bytes); the schema lists the largest first when sizes are unknown. */
function largest(images: Extract<MessageElement, { kind: 'image' }>['images']) {
  const area = (image: (typeof images)[number]) => (image.width ?? 0) * (image.height ?? 0);
  return images.reduce<(typeof images)[number] | undefined>((best, image) => (!best || area(image) > area(best) || (area(image) === area(best) && (image.size ?? 0) > (best.size ?? 0)) ? image : best), undefined);
}

const faceText = (element: Extract<MessageElement, { kind: 'face' }>) => `[face ${element.data ?? element.index ?? ''}]`.replace(' ]', ']');
const mergedText = (element: Extract<MessageElement, { kind: 'merged' }>) => [`[${element.title ?? 'Chat history'}]`, ...(element.summary ?? [])].join('\n');

/** One element as one Easemob message body, or an `UnmappableError`. */
export function mapElement(element: MessageElement, options: RelayElements, position: number): Mapped {
  const missing = (field: string) => new UnmappableError(`element ${position} (${element.kind}, ${element.vendorType}) has no ${field}; Easemob needs it`);
  switch (element.kind) {
    case 'text':
      return { type: 'txt', body: { msg: element.text } };
    case 'image': {
      const image = largest(element.images);
      if (!image) throw missing('image URL');
      const size = image.width !== undefined && image.height !== undefined ? { size: { width: image.width, height: image.height } } : {};
      return { type: 'img', body: { url: image.url, filename: fileNameOf('image', image.url, element.name, element.format), ...size } };
    }
    case 'audio':
      if (!element.url) throw missing('url');
      return { type: 'audio', body: { url: element.url, ...(element.durationSeconds !== undefined ? { length: Math.round(element.durationSeconds) } : {}) } };
    case 'video':
      if (!element.url) throw missing('url');
      return {
        type: 'video',
        body: defined({ url: element.url, length: element.durationSeconds === undefined ? undefined : Math.round(element.durationSeconds), file_length: element.size, thumb: element.thumbnailUrl }),
      };
    case 'file':
      if (!element.url) throw missing('url');
      return { type: 'file', body: defined({ url: element.url, filename: element.name }) };
    case 'location':
      return { type: 'loc', body: { lat: String(element.latitude), lng: String(element.longitude), addr: element.description ?? '' } };
    case 'custom': {
      const exts = flatStringMap(element) ?? (element.data !== undefined ? { data: element.data } : undefined);
      return { type: 'custom', body: { customEvent: options.customEvent, ...(exts ? { customExts: exts } : {}) } };
    }
    case 'face':
      if (options.face === 'txt') return { type: 'txt', body: { msg: faceText(element) } };
      return { type: 'custom', body: { customEvent: options.faceEvent, customExts: defined({ index: element.index === undefined ? undefined : String(element.index), data: element.data }) } };
    case 'merged':
      if (options.merged === 'txt') return { type: 'txt', body: { msg: mergedText(element) } };
      return {
        type: 'custom',
        body: {
          customEvent: options.mergedEvent,
          customExts: defined({ title: element.title, summary: element.summary?.join('\n'), messageCount: element.messageCount === undefined ? undefined : String(element.messageCount) }),
        },
      };
    case 'unknown':
      throw new UnmappableError(`element ${position} (${element.vendorType}) has no Easemob equivalent`);
  }
}

/** An element as a line of text, for `several: joined`. */
function textOf(element: MessageElement, position: number): string {
  switch (element.kind) {
    case 'text':
      return element.text;
    case 'face':
      return faceText(element);
    case 'merged':
      return mergedText(element);
    case 'location':
      return `[location] ${element.description ?? ''} (${element.latitude}, ${element.longitude})`;
    case 'image':
      return `[image] ${largest(element.images)?.url ?? ''}`;
    case 'audio':
    case 'video':
      return `[${element.kind}] ${element.url ?? ''}`;
    case 'file':
      return `[file] ${element.name ?? ''} ${element.url ?? ''}`;
    case 'custom':
      return `[custom] ${element.data ?? element.event ?? ''}`;
    case 'unknown':
      throw new UnmappableError(`element ${position} (${element.vendorType}) has no Easemob equivalent`);
  }
}

/** The bodies to send for one message, in order. Throws `UnmappableError` if any element cannot be sent. */
export function mapMessage(message: NeutralMessage, options: RelayElements): Mapped[] {
  if (message.elements.length === 0) throw new UnmappableError('message has no elements');
  if (options.several === 'joined' && message.elements.length > 1) {
    return [{ type: 'txt', body: { msg: message.elements.map(textOf).join(options.joinWith) } }];
  }
  return message.elements.map((element, index) => mapElement(element, options, index));
}

/** Easemob's limit on body plus ext (message_single.md: "message is too large"). */
export const maxMessageBytes = 5 * 1024;

export function messageBytes(body: Record<string, unknown>, ext: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(body)) + Buffer.byteLength(JSON.stringify(ext));
}

function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
