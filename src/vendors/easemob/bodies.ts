import { z } from 'zod';
import type { MessageElement } from '../../events/message';

/**
 * Message bodies (`payload.bodies[]`) in the chat-history format the post-send callback uses.
 * https://doc.easemob.com/document/server-side/callback_configurations.html (请求示例, per type)
 * Loose objects: Easemob adds fields. Unknown `type`s are kept as they came (`unknown` element).
 */
const size = z.looseObject({ width: z.number().optional(), height: z.number().optional() });
/** `loc` coordinates are numbers in callbacks but strings when sending; accept both. */
const coordinate = z.union([z.number(), z.string().regex(/^-?\d{1,3}(\.\d{1,20})?$/).transform(Number)]);
const file = { url: z.string(), filename: z.string().optional(), secret: z.string().optional(), file_length: z.number().optional() };

export const txtBody = z.looseObject({ type: z.literal('txt'), msg: z.string() });
export const imgBody = z.looseObject({ type: z.literal('img'), ...file, size: size.optional(), thumb: z.string().optional() });
export const audioBody = z.looseObject({ type: z.literal('audio'), ...file, length: z.number().optional() });
export const videoBody = z.looseObject({
  type: z.literal('video'),
  ...file,
  length: z.number().optional(),
  size: size.optional(),
  thumb: z.string().optional(),
  thumb_secret: z.string().optional(),
});
export const fileBody = z.looseObject({ type: z.literal('file'), ...file });
export const locBody = z.looseObject({ type: z.literal('loc'), lat: coordinate, lng: coordinate, addr: z.string().optional() });
export const cmdBody = z.looseObject({ type: z.literal('cmd'), action: z.string() });
export const customBody = z.looseObject({
  type: z.literal('custom'),
  customEvent: z.string().optional(),
  /** The old form: an array of one-entry objects. */
  customExts: z.array(z.record(z.string(), z.unknown())).optional(),
  'v2:customExts': z.record(z.string(), z.unknown()).optional(),
});

export const knownBodyTypes = ['txt', 'img', 'audio', 'video', 'file', 'loc', 'cmd', 'custom'] as const;
const known = new Set<string>(knownBodyTypes);

const otherBody = z.looseObject({ type: z.string().max(64).refine((type) => !known.has(type), 'a known body type with invalid fields') });

export const messageBodySchema = z.union([
  z.discriminatedUnion('type', [txtBody, imgBody, audioBody, videoBody, fileBody, locBody, cmdBody, customBody]),
  otherBody,
]);
export type MessageBody = z.output<typeof messageBodySchema>;

/** The metrics label of a body type: a known type, else `other`. */
export const bodyTypeLabel = (type: string): string => (known.has(type) ? type : 'other');

/** One body as a neutral element (events/message.ts). */
export function toElement(body: MessageBody): MessageElement {
  const vendorType = body.type;
  const b = body as Record<string, unknown> & MessageBody;
  switch (b.type) {
    case 'txt':
      return { kind: 'text', vendorType, text: b.msg as string };
    case 'img': {
      const img = b as z.output<typeof imgBody>;
      const images: Extract<MessageElement, { kind: 'image' }>['images'] = [
        defined({ url: img.url, width: img.size?.width, height: img.size?.height, size: img.file_length, role: 'original' as const }),
      ];
      if (img.thumb) images.push({ url: img.thumb, role: 'thumbnail' });
      return defined({ kind: 'image' as const, vendorType, images, name: img.filename });
    }
    case 'audio': {
      const audio = b as z.output<typeof audioBody>;
      return defined({ kind: 'audio' as const, vendorType, url: audio.url, durationSeconds: audio.length, size: audio.file_length });
    }
    case 'video': {
      const video = b as z.output<typeof videoBody>;
      return defined({
        kind: 'video' as const,
        vendorType,
        url: video.url,
        durationSeconds: video.length,
        size: video.file_length,
        width: video.size?.width,
        height: video.size?.height,
        thumbnailUrl: video.thumb,
      });
    }
    case 'file': {
      const f = b as z.output<typeof fileBody>;
      return defined({ kind: 'file' as const, vendorType, url: f.url, name: f.filename, size: f.file_length });
    }
    case 'loc': {
      const loc = b as z.output<typeof locBody>;
      return defined({ kind: 'location' as const, vendorType, latitude: loc.lat, longitude: loc.lng, description: loc.addr });
    }
    case 'cmd':
      return { kind: 'custom', vendorType, event: b.action as string };
    case 'custom':
      return customElement(b as z.output<typeof customBody>);
    default:
      return { kind: 'unknown', vendorType, content: body };
  }
}

function customElement(body: z.output<typeof customBody>): MessageElement {
  const v2 = body['v2:customExts'];
  // Object.fromEntries, not Object.assign: a `__proto__` key must stay a plain key.
  const merged = v2 ?? (body.customExts ? Object.fromEntries(body.customExts.flatMap((entry) => Object.entries(entry))) : undefined);
  const exts = stringMap(merged);
  return defined({
    kind: 'custom' as const,
    vendorType: 'custom',
    event: body.customEvent,
    data: merged === undefined ? undefined : JSON.stringify(merged),
    exts: exts && Object.keys(exts).length > 0 ? exts : undefined,
  });
}

/** A record whose values are all strings, else undefined (numbers and objects cannot be re-sent as customExts). */
function stringMap(record: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (record === undefined) return undefined;
  const entries = Object.entries(record);
  return entries.every(([, value]) => typeof value === 'string') ? (Object.fromEntries(entries) as Record<string, string>) : undefined;
}

function defined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
